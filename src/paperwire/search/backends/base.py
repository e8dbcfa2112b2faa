"""The contract every search backend keeps; the same test suite runs against each one.

A backend owns the *derived* indexes for one kind of database: a lexical (BM25-like) index
of the catalogue and a vector index of the ``search.Embedding`` rows. Both are rebuilt from
the database and never the source of truth. The hybrid ranking, the query syntax, filters on
the semantic side, the embedding model and the embedding jobs are shared code above this.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from paperwire.search.lexical import Hit
from paperwire.search.query import ParsedQuery, Sort

Progress = Callable[[int], object]  # called with how many items a step just handled
Vector = npt.NDArray[np.float32]


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

    @abstractmethod
    def nearest(self, vector: Vector, limit: int) -> list[Hit]:
        """The papers whose vectors are closest (cosine) to ``vector``, best first, scores
        in [-1, 1]. Approximate. Raises ``IndexUnavailable`` when there is no usable index."""

    # -- state -----------------------------------------------------------------------------

    @abstractmethod
    def status(self) -> dict[str, object]:
        """What an operator needs to know: sizes, staleness, problems (for `paperwire stats`)."""
