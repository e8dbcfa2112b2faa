"""The filters of a query (``cat:``, ``author:``, ``since:``/``until:``, ``has:code``) and what
they mean — the one definition every engine follows.

* ``cat:`` — any of the categories given (``cat:cs.CV,cs.SI`` or several ``cat:``); an archive
  (``cat:cs``) means all its categories, a category (``cat:cs.LG``) only itself.
* ``author:`` — every name given, each a whole author name, case and accents folded.
* ``since:``/``until:`` — the paper's announcement day (``Paper.announced_on``), inclusive;
  a paper without one is out.
* ``has:code`` — a GitHub or GitLab link.

The names and categories become terms by ``catalogue.keys`` and are matched against the terms
stored with each paper; ``admits`` is the rule in Python (digest topics, the semantic side's
post-filter), and each backend asks the same membership questions of its own index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from paperwire.catalogue.keys import author_term, category_term, name_key


@dataclass
class Filters:
    categories: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None
    has_code: bool = False

    def __bool__(self) -> bool:
        return bool(self.categories or self.authors or self.since or self.until or self.has_code)

    @property
    def category_terms(self) -> list[str]:
        """Any one of these must be among a paper's terms (empty: no category filter)."""
        return sorted({category_term(c) for c in self.categories if c.strip()})

    @property
    def author_terms(self) -> list[str]:
        """Every one of these must be among a paper's terms."""
        return sorted({author_term(a) for a in self.authors if name_key(a)})

    def admits(self, keys: Collection[str], day: dt.date | None, has_code: bool) -> bool:
        """Whether a paper with these terms, announcement day and links passes."""
        wanted = self.category_terms
        if wanted and not any(term in keys for term in wanted):
            return False
        if any(term not in keys for term in self.author_terms):
            return False
        if (self.since or self.until) and day is None:
            return False
        if self.since and day is not None and day < self.since:
            return False
        if self.until and day is not None and day > self.until:
            return False
        return has_code or not self.has_code

    def merged(self, extra: Filters) -> Filters:
        """These filters and ``extra`` together (a page's own filters added to a query's)."""
        return Filters(
            categories=[*self.categories, *extra.categories],
            authors=[*self.authors, *extra.authors],
            since=max((d for d in (self.since, extra.since) if d), default=None),
            until=min((d for d in (self.until, extra.until) if d), default=None),
            has_code=self.has_code or extra.has_code,
        )
