"""The list filters: what a reader narrows a day's, week's or month's list, trending, For you,
their feeds and the API's lists to. The one home of what each filter means.

Query parameters (each may be repeated, or take several values separated by commas):

* ``cat`` — categories to include, any of them: ``cat=cs`` is every ``cs.*`` paper,
  ``cat=cs.LG`` only that category. The meaning is search's ``cat:`` (``search.Filters``),
  asked of the terms stored with each paper (``Paper.match_keys``).
* ``exclude`` — words to leave out: a paper whose title or abstract holds any of them, as a
  whole word, is hidden. An entry of several words (``exclude=large language model``) is a
  phrase: those words in a row.
* ``hide`` — ``read``, ``not_interested``: the signed-in reader's own marks. Ignored for
  anyone not signed in, and so in feeds and cached pages, which are everyone's.
* ``listing`` — ``all`` (default: the whole arXiv listing) or ``submitted``: only papers
  submitted to the community's daily list (from Hugging Face's daily papers or this site's
  submit page), which is what ``Paper.daily_date`` records.

Each parameter is taken at most ``MAX_VALUES`` times with at most ``MAX_ENTRIES`` entries a
value; the same regular expressions check a value here and are declared in the API's
document, so both agree on what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from paperwire.catalogue.models import Paper
from paperwire.search import WORD, Filters, stem

PARAMETERS = ("cat", "exclude", "hide", "listing")
# The parameters a public (anonymous, cacheable) answer reads: never the personal ones.
PUBLIC_PARAMETERS = ("cat", "exclude", "listing")
HIDE_KINDS = ("not_interested", "read")  # paperwire.library.Kind values
LISTINGS = ("all", "submitted")
MAX_VALUES = 10
MAX_ENTRIES = 10
MAX_EXCLUDE_CHARS = 60

# An archive (cs, hep-th) or a category (cs.LG, physics.atom-ph): arXiv's spelling, any case.
_CATEGORY = r"[A-Za-z][A-Za-z-]{0,19}(?:\.[A-Za-z][A-Za-z-]{0,19})?"
_HIDE = "|".join(HIDE_KINDS)


def _entries(entry: str) -> str:
    """A value of up to ``MAX_ENTRIES`` comma-separated entries, each possibly empty."""
    return rf"\s*(?:{entry})?\s*(?:,\s*(?:{entry})?\s*){{0,{MAX_ENTRIES - 1}}}"


# Whole-value patterns: ``re.fullmatch`` here, ``^…$`` in the API's document.
VALUE_PATTERNS = {
    "cat": _entries(_CATEGORY),
    "exclude": rf"[^,]{{0,{MAX_EXCLUDE_CHARS}}}"
    rf"(?:,[^,]{{0,{MAX_EXCLUDE_CHARS}}}){{0,{MAX_ENTRIES - 1}}}",
    "hide": _entries(_HIDE),
}
_VALUE = {name: re.compile(pattern) for name, pattern in VALUE_PATTERNS.items()}

P = TypeVar("P", bound=Paper)


class FilterError(ValueError):
    """Filters that cannot be read; the message names the parameter and what to write."""


@dataclass(frozen=True)
class FeedFilters:
    categories: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    hide_read: bool = False
    hide_not_interested: bool = False
    submitted_only: bool = False

    # -- reading and writing parameters ------------------------------------------------

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> FeedFilters:
        """Filters from query parameters (a ``QueryDict`` or a dict of strings or lists of
        strings); ``FilterError`` names the first parameter that cannot be read."""
        categories = [
            _category(entry) for value in _values(params, "cat") for entry in _split(value)
        ]
        exclude = [
            phrase
            for value in _values(params, "exclude")
            for phrase in (_phrase(entry) for entry in value.split(","))
            if phrase
        ]
        hide = {entry for value in _values(params, "hide") for entry in _split(value)}
        listings = _values(params, "listing", checked=False)
        listing = listings[-1].strip() if listings else "all"  # the last counts, as in Django
        if listing not in LISTINGS:
            raise FilterError(f"listing: write all or submitted, not {listing[:40]!r}")
        return cls(
            categories=tuple(sorted(set(categories), key=str.casefold)),
            exclude=tuple(sorted(set(exclude))),
            hide_read="read" in hide,
            hide_not_interested="not_interested" in hide,
            submitted_only=listing == "submitted",
        )

    def to_params(self) -> dict[str, str]:
        """The canonical parameters (one value each, defaults left out): for links, feed
        addresses and cache keys."""
        params: dict[str, str] = {}
        if self.categories:
            params["cat"] = ",".join(self.categories)
        if self.exclude:
            params["exclude"] = ",".join(self.exclude)
        hide = [k for k, on in zip(HIDE_KINDS, self._hidden_flags(), strict=True) if on]
        if hide:
            params["hide"] = ",".join(hide)
        if self.submitted_only:
            params["listing"] = "submitted"
        return params

    @property
    def is_empty(self) -> bool:
        return self == FeedFilters()

    @property
    def is_personal(self) -> bool:
        """Whether part of these filters depends on who is reading."""
        return self.hide_read or self.hide_not_interested

    def public(self) -> FeedFilters:
        """These filters less the personal ones: what a feed or a shared page can carry."""
        return FeedFilters(self.categories, self.exclude, submitted_only=self.submitted_only)

    # -- a request's filters, and pinned defaults -------------------------------------

    @classmethod
    def for_request(cls, request: Any) -> FeedFilters:
        """The request's filters; when it names none and the reader is signed in, the
        reader's pinned defaults. ``FilterError`` when the request's cannot be read."""
        if any(name in request.GET for name in PARAMETERS):
            return cls.from_params(request.GET)
        return pinned(request.user) or cls()

    def pin(self, user: Any) -> None:
        """Keep these filters as the reader's defaults."""
        from paperwire.library.models import Reader

        reader, _ = Reader.objects.get_or_create(user=user)
        reader.filters = dict(self.to_params())
        reader.save(update_fields=["filters"])

    @staticmethod
    def unpin(user: Any) -> None:
        from paperwire.library.models import Reader

        Reader.objects.filter(user=user).update(filters={})

    # -- applying ----------------------------------------------------------------------

    @overload
    def apply(self, papers: QuerySet[P], user: Any = None) -> QuerySet[P]: ...

    @overload
    def apply(self, papers: list[P], user: Any = None) -> list[P]: ...

    def apply(self, papers: QuerySet[P] | list[P], user: Any = None) -> QuerySet[P] | list[P]:
        """``papers`` narrowed by these filters, in their order. The personal parts apply
        only for a signed-in ``user``; pass None for anything shared (feeds, cached pages)."""
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        hidden_kinds = [
            k for k, on in zip(HIDE_KINDS, self._hidden_flags(), strict=True) if on and signed_in
        ]
        if isinstance(papers, QuerySet):
            return self._narrow_query(papers, user, hidden_kinds)
        return self._narrow_list(papers, user, hidden_kinds)

    def _narrow_query(self, papers: QuerySet[P], user: Any, hidden: list[str]) -> QuerySet[P]:
        from paperwire.library.models import Mark

        if self.categories:
            papers = papers.filter(_any_term(self._category_terms))
        if self.submitted_only:
            papers = papers.filter(daily_date__isnull=False)
        if hidden:
            marked = Mark.objects.filter(user=user, kind__in=hidden).values("paper_id")
            papers = papers.exclude(pk__in=marked)
        if self.exclude:
            papers = papers.exclude(pk__in=self._excluded_ids(papers))
        return papers

    def _narrow_list(self, papers: list[P], user: Any, hidden: list[str]) -> list[P]:
        from paperwire.library.models import Mark

        rule = Filters(categories=list(self.categories))
        kept = [
            p
            for p in papers
            if rule.admits(set(p.match_keys), None, True)
            and (p.daily_date is not None or not self.submitted_only)
        ]
        if hidden and kept:
            marked = set(
                Mark.objects.filter(
                    user=user, kind__in=hidden, paper_id__in=[p.pk for p in kept]
                ).values_list("paper_id", flat=True)
            )
            kept = [p for p in kept if p.pk not in marked]
        if self.exclude:
            phrases = self._phrases
            kept = [p for p in kept if not _holds_any(f"{p.title}\n{p.abstract}", phrases)]
        return kept

    @property
    def _category_terms(self) -> list[str]:
        return Filters(categories=list(self.categories)).category_terms

    @property
    def _phrases(self) -> list[tuple[str, ...]]:
        return [tuple(stem(w) for w in WORD.findall(phrase)) for phrase in self.exclude]

    def _excluded_ids(self, papers: QuerySet[P]) -> list[int]:
        """The papers among ``papers`` whose title or abstract holds an excluded phrase.

        The database narrows the candidates first: a word's stem is a prefix of the word, so
        a paper holding it contains the stem as text. SQLite folds only ASCII letters when
        comparing (``icontains``), so a stem with other letters is checked in Python alone.
        """
        phrases = self._phrases
        rows = papers.order_by()
        stems = [max(phrase, key=len) for phrase in phrases]
        if all(s.isascii() or connection.vendor != "sqlite" for s in stems):
            near = Q()
            for text in stems:
                near |= Q(title__icontains=text) | Q(abstract__icontains=text)
            rows = rows.filter(near)
        return [
            pk
            for pk, title, abstract in rows.values_list("pk", "title", "abstract").iterator()
            if _holds_any(f"{title}\n{abstract}", phrases)
        ]

    def _hidden_flags(self) -> tuple[bool, bool]:
        return self.hide_not_interested, self.hide_read  # HIDE_KINDS' order


def pinned(user: Any) -> FeedFilters | None:
    """The reader's pinned defaults, or None (not signed in, or nothing pinned)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    from paperwire.library.models import Reader

    stored = Reader.objects.filter(user=user).values_list("filters", flat=True).first()
    if not stored:
        return None
    try:
        return FeedFilters.from_params(stored)
    except FilterError:  # pinned under older rules: as if nothing were pinned
        return None


def canonical_query(
    params: Mapping[str, Any], names: Sequence[str] = PARAMETERS
) -> list[tuple[str, str]]:
    """The filter parameters among ``params`` in one spelling (repeated values joined, the
    canonical order and case), so equal filters have one address and one cache entry.

    Parameters that were given but say nothing (``cat=``, as an empty form sends) become
    ``listing=all``, so that "no filters" stays distinguishable from "my pinned defaults".
    Unreadable filters are kept as given (joined), for the view to refuse them.
    """
    present = [n for n in names if n in params]
    if not present:
        return []
    try:
        canonical = FeedFilters.from_params({n: _values(params, n, checked=False) for n in names})
    except FilterError:
        return [(n, ",".join(_values(params, n, checked=False))) for n in present]
    pairs = [(n, v) for n, v in canonical.to_params().items() if n in names]
    return pairs or [("listing", "all")]


# -- reading values ----------------------------------------------------------------------


def _values(params: Mapping[str, Any], name: str, *, checked: bool = True) -> list[str]:
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        raw: Iterable[Any] = getlist(name)
    else:
        value = params.get(name)
        raw = [] if value is None else [value] if isinstance(value, str) else value
    values = [str(v) for v in raw]
    if len(values) > MAX_VALUES:
        raise FilterError(f"{name}: give it at most {MAX_VALUES} times")
    if checked:
        for value in values:
            if not _VALUE[name].fullmatch(value):
                raise FilterError(_why(name, value))
    return values


def _why(name: str, value: str) -> str:
    if name == "exclude":
        return (
            f"exclude: at most {MAX_ENTRIES} words or phrases a value, separated by commas, "
            f"each at most {MAX_EXCLUDE_CHARS} characters"
        )
    wrong = next(
        (e.strip() for e in value.split(",") if e.strip() and not _VALUE[name].fullmatch(e)),
        value,
    )
    if name == "cat":
        if value.count(",") >= MAX_ENTRIES:
            return f"cat: at most {MAX_ENTRIES} categories a value"
        return f"cat: {wrong[:40]!r} is not an arXiv archive or category (write cs, cs.LG, hep-th)"
    if value.count(",") >= MAX_ENTRIES:
        return f"hide: at most {MAX_ENTRIES} values"
    return f"hide: write read or not_interested, not {wrong[:40]!r}"


def _split(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def _category(text: str) -> str:
    """arXiv's own spelling: the archive in lower case, a subject class of one or two letters
    in upper case (cs.LG, math.ST, q-bio.NC), a longer one in lower case (physics.atom-ph)."""
    archive, dot, subject = text.partition(".")
    if not dot:
        return archive.lower()
    subject = subject.upper() if len(subject) <= 2 else subject.lower()
    return f"{archive.lower()}.{subject}"


def _phrase(entry: str) -> str:
    """An exclude entry as compared: its words, lower case, one space apart."""
    return " ".join(WORD.findall(entry.lower()))


def _holds_any(text: str, phrases: list[tuple[str, ...]]) -> bool:
    """Whether ``text`` holds any phrase, word for word, compared as search compares words:
    ``search.WORD`` splits, ``search.stem`` lowers and drops common endings (so "transformer"
    also means "Transformers")."""
    words = [stem(w) for w in WORD.findall(text)]
    for phrase in phrases:
        n = len(phrase)
        if n and any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
            return True
    return False


def _any_term(terms: list[str]) -> Q:
    """Papers whose stored terms hold any of ``terms``: ``?|`` on PostgreSQL's GIN index, a
    look through the JSON array on SQLite (Django's ``has_any_keys`` reads object keys there)."""
    if connection.vendor == "postgresql":
        return Q(match_keys__has_any_keys=terms)
    # The table's name from the model, quoted; the terms go as parameters.
    table = connection.ops.quote_name(Paper._meta.db_table)
    marks = ", ".join(["%s"] * len(terms))
    sql = f"EXISTS (SELECT 1 FROM json_each({table}.match_keys) WHERE json_each.value IN ({marks}))"  # noqa: S608
    return Q(RawSQL(sql, terms, output_field=BooleanField()))  # noqa: S611
