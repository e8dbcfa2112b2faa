"""The contract every search backend keeps; the same test suite runs against each one.

A backend owns the *derived* indexes for one kind of database: a lexical (BM25-like) index
of the catalogue and a vector index of the ``search.Embedding`` rows. Both are rebuilt from
the database and never the source of truth. The hybrid ranking, the query syntax, filters on
the semantic side, the embedding model and the embedding jobs are shared code above this.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from paperwire.catalogue.keys import has_code
from paperwire.catalogue.models import Paper
from paperwire.search.filters import Filters
from paperwire.search.hits import Hit
from paperwire.search.query import ParsedQuery, Sort

Progress = Callable[[int], object]  # called with how many items a step just handled
Vector = npt.NDArray[np.float32]
Keys = npt.NDArray[np.int64]

# A filtered semantic search looks among the papers the filters admit when there are at most
# this many (an exact scan of their vectors: at a million papers a 1 %-selective filter is
# 10,000), and otherwise takes this many nearest neighbours and keeps those the filters admit
# (a filter admitting more than EXACT_FILTERED of a million papers keeps ~5 % or more of them).
EXACT_FILTERED = 50_000
FILTERED_CANDIDATES = 1000


@dataclass
class BackendStatus:
    """What an operator needs to know (``paperwire stats``, ``reindex``), the same for each
    backend; ``details`` holds what only one backend has."""

    backend: str
    lexical_documents: int | None
    vectors: int
    vector_model: str | None
    problems: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class IndexUnavailable(RuntimeError):
    """An index is missing, stale beyond repair, or corrupt; the message says what to run."""


class SearchBackend(ABC):
    name: ClassVar[str]

    # -- lexical ---------------------------------------------------------------------------

    @abstractmethod
    def refresh_lexical(self, progress: Progress | None = None) -> int:
        """Bring the lexical index up to date with the catalogue; return papers (re)indexed."""

    @abstractmethod
    def rebuild_lexical(self, progress: Progress | None = None) -> int:
        """Rebuild the lexical index from the catalogue; return papers indexed."""

    @abstractmethod
    def lexical(self, query: ParsedQuery, limit: int, sort: Sort = Sort.RELEVANCE) -> list[Hit]:
        """Papers matching the query's words and phrases (OR), best first, with its filters
        (categories, authors, date range, has-code) applied. A query with no words returns
        the papers matching the filters, newest first. Hidden papers never appear. Raises
        ``IndexUnavailable`` when there is no usable index."""

    # -- vectors ---------------------------------------------------------------------------

    @abstractmethod
    def sync_vectors(self, model: str, progress: Progress | None = None) -> int:
        """Bring the vector index up to date with the Embedding rows of ``model``
        (add new and changed vectors, drop vectors of papers now hidden or re-embedded);
        return how many vectors were added."""

    @abstractmethod
    def rebuild_vectors(self, model: str, progress: Progress | None = None) -> int:
        """Rebuild the vector index from the Embedding rows of ``model``; return its size."""

    def nearest(self, vector: Vector, limit: int, filters: Filters | None = None) -> list[Hit]:
        """The papers whose vectors are closest (cosine) to ``vector``, best first, scores
        in [-1, 1], among those ``filters`` admit. Approximate without filters; with filters
        that admit at most ``EXACT_FILTERED`` papers, exact among them (so a narrow filter
        still fills its page at any catalogue size). Raises ``IndexUnavailable`` when there
        is no usable vector index."""
        if limit <= 0:
            return []
        if not filters:
            return self._nearest(vector, limit)
        try:
            allowed = self.matching_keys(filters, EXACT_FILTERED)
        except IndexUnavailable:
            allowed = None  # no lexical index to ask: filter the neighbours instead
        if allowed is not None:
            return self._nearest_among(vector, limit, allowed) if len(allowed) else []
        hits = self._nearest(vector, max(FILTERED_CANDIDATES, limit))
        return admitted(hits, filters)[:limit]

    @abstractmethod
    def _nearest(self, vector: Vector, limit: int) -> list[Hit]:
        """Approximate nearest neighbours of every visible paper."""

    @abstractmethod
    def _nearest_among(self, vector: Vector, limit: int, keys: Keys) -> list[Hit]:
        """Exact nearest neighbours among the papers with these primary keys."""

    @abstractmethod
    def matching_keys(self, filters: Filters, cap: int) -> Keys | None:
        """The primary keys of the visible papers the filters admit, or None when there are
        more than ``cap``. Raises ``IndexUnavailable`` when it cannot tell."""

    # -- state -----------------------------------------------------------------------------

    def notices(self) -> list[str]:
        """What a search answered by this backend right now should tell the reader (a node
        still building its indexes answers differently)."""
        return []

    @abstractmethod
    def status(self) -> BackendStatus:
        """What an operator needs to know: sizes, staleness, problems (for `paperwire stats`)."""


def admitted(hits: Sequence[Hit], filters: Filters) -> list[Hit]:
    """The hits (in their order) whose visible papers the filters admit."""
    if not hits:
        return []
    rows = Paper.objects.filter(arxiv_id__in=[h.arxiv_id for h in hits], hidden=False).values_list(
        "arxiv_id", "match_keys", "announced_on", "links"
    )
    keep = {
        arxiv_id
        for arxiv_id, keys, day, links in rows
        if filters.admits(set(keys or ()), day, has_code(links or ()))
    }
    return [h for h in hits if h.arxiv_id in keep]
