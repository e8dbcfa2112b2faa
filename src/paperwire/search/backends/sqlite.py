"""The index backend: tantivy for BM25 and an HNSW file for vectors, both in
``PAPERWIRE_INDEX_DIR``, derived from the catalogue through the ORM alone.

It serves the embedded mode (beside the SQLite file) and, by default, the PostgreSQL mode,
where every node keeps its own copy (``replica.ReplicaBackend``). Several processes of one
node may write the same directory (an import, ``paperwire embed``, the node's follower): each
kind of index has a lock file, so one writer at a time brings it up to date and the others
wait for it (a rebuild swaps folders, which two writers at once would tear).
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
from django.db.models import QuerySet

from paperwire.catalogue.models import Paper
from paperwire.search.backends.base import (
    BackendStatus,
    IndexUnavailable,
    Keys,
    Progress,
    SearchBackend,
    Vector,
)
from paperwire.search.filters import Filters
from paperwire.search.hits import Hit
from paperwire.search.lexical import LexicalIndex, LexicalIndexError
from paperwire.search.models import Embedding, database_identity, decode_matrix
from paperwire.search.query import ParsedQuery, Sort
from paperwire.search.vectors import VectorIndex, VectorIndexError, Vectors

BATCH = 20_000  # the first batch also trains the quantiser
# Embeddings committed just after a sync began may carry an earlier timestamp than its start
# (see lexical.WATERMARK_OVERLAP).
OVERLAP = dt.timedelta(seconds=10)


class SqliteBackend(SearchBackend):
    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lexical_index = LexicalIndex(directory / "lexical")
        self.vector_index = VectorIndex(directory / "vectors")

    # -- lexical ---------------------------------------------------------------------------

    @contextmanager
    def _writing(self, kind: str) -> Iterator[None]:
        """Hold this directory's writer lock for one kind of index (blocks while another
        process of this node writes it; released by the kernel if that process dies)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / f".{kind}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def refresh_lexical(self, progress: Progress | None = None) -> int:
        with self._writing("lexical"):
            return self.lexical_index.refresh(progress)

    def rebuild_lexical(self, progress: Progress | None = None) -> int:
        with self._writing("lexical"):
            return self.lexical_index.rebuild(progress)

    def lexical(self, query: ParsedQuery, limit: int, sort: Sort = Sort.RELEVANCE) -> list[Hit]:
        try:
            return self.lexical_index.search(query, limit, sort)
        except LexicalIndexError as exc:
            raise IndexUnavailable(str(exc)) from None

    # -- vectors ---------------------------------------------------------------------------

    def sync_vectors(self, model: str, progress: Progress | None = None) -> int:
        with self._writing("vectors"):
            return self._sync(model, progress, rebuild=False)

    def rebuild_vectors(self, model: str, progress: Progress | None = None) -> int:
        with self._writing("vectors"):
            self._sync(model, progress, rebuild=True)
        manifest = self.vector_index.manifest()
        return manifest.live if manifest else 0

    def _sync(self, model: str, progress: Progress | None, *, rebuild: bool) -> int:
        database = database_identity()
        rows = Embedding.objects.filter(model=model, paper__hidden=False)
        first = rows.values_list("vector", flat=True).first()
        if first is None:
            return 0  # nothing embedded with this model yet
        dim = len(bytes(first)) // 4
        loaded = None if rebuild else self.vector_index.writable(database, model, dim)
        since = None
        if loaded is not None and loaded.manifest.watermark:
            since = dt.datetime.fromisoformat(loaded.manifest.watermark)
            rows = rows.filter(encoded_at__gt=since)
        started = dt.datetime.now(dt.UTC)

        added = 0
        for keys, vectors, stamps in _batches(rows, dim):
            if loaded is None:
                loaded = self.vector_index.empty(vectors)
            added += self.vector_index.add(loaded, keys, vectors, stamps)
            if progress:
                progress(len(keys))
        if loaded is None:
            return 0
        hidden = Paper.objects.filter(hidden=True)
        if since is not None:
            hidden = hidden.filter(modified_at__gt=since)
        self.vector_index.remove(loaded, list(hidden.values_list("pk", flat=True)))
        self.vector_index.save(loaded, database, model, (started - OVERLAP).isoformat())
        return added

    def _nearest(self, vector: Vector, limit: int) -> list[Hit]:
        from paperwire.search.embeddings import current_model_id

        try:
            keys, scores = self.vector_index.search(
                database_identity(), current_model_id(), vector, limit
            )
        except VectorIndexError as exc:
            raise IndexUnavailable(str(exc)) from None
        return _hits(keys, scores)

    def _nearest_among(self, vector: Vector, limit: int, keys: Keys) -> list[Hit]:
        from paperwire.search.embeddings import current_model_id

        try:
            found, scores = self.vector_index.search_among(
                database_identity(), current_model_id(), vector, limit, keys
            )
        except VectorIndexError as exc:
            raise IndexUnavailable(str(exc)) from None
        return _hits(found, scores)

    def matching_keys(self, filters: Filters, cap: int) -> Keys | None:
        try:
            return self.lexical_index.matching_keys(filters, cap)
        except LexicalIndexError as exc:
            raise IndexUnavailable(str(exc)) from None

    # -- state -----------------------------------------------------------------------------

    def status(self) -> BackendStatus:
        problems: list[str] = []
        lexical: int | None = None
        try:
            lexical = self.lexical_index.num_docs()
        except LexicalIndexError as exc:
            problems.append(str(exc))
        manifest = None
        try:
            manifest = self.vector_index.manifest()
            if manifest is not None:
                from paperwire.search.embeddings import current_model_id

                self.vector_index.open(database_identity(), current_model_id())
        except VectorIndexError as exc:
            problems.append(str(exc))
        return BackendStatus(
            backend=self.name,
            lexical_documents=lexical,
            vectors=manifest.live if manifest else 0,
            vector_model=manifest.model if manifest else None,
            problems=problems,
        )


def _hits(keys: Keys, scores: Vectors) -> list[Hit]:
    """Index keys to hits, dropping papers hidden since the index was last synced."""
    ids = dict(
        Paper.objects.filter(pk__in=keys.tolist(), hidden=False).values_list("pk", "arxiv_id")
    )
    return [Hit(ids[int(k)], float(s)) for k, s in zip(keys, scores, strict=True) if int(k) in ids]


def _batches(
    rows: QuerySet[Embedding], dim: int
) -> Iterator[tuple[Keys, Vectors, npt.NDArray[np.float64]]]:
    """(paper keys, vectors, encoded-at stamps) in key order, ``BATCH`` at a time."""
    last = 0
    while True:
        batch = list(
            rows.filter(paper_id__gt=last)
            .order_by("paper_id")
            .values_list("paper_id", "vector", "encoded_at")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1][0]
        keys = np.fromiter((pk for pk, _, _ in batch), dtype=np.int64, count=len(batch))
        vectors = decode_matrix((v for _, v, _ in batch), dim)
        stamps = np.fromiter(
            (t.timestamp() for _, _, t in batch), dtype=np.float64, count=len(batch)
        )
        yield keys, vectors, stamps
