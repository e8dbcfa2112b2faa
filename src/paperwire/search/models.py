"""Embeddings, kept in the catalogue's database: the source the vector indexes are built from."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from django.db import models

from paperwire.catalogue.models import Paper

# The stored form of a vector: float32, little-endian, one after another (the one place that
# says so; every reader decodes through the functions below).
VECTOR_DTYPE = np.dtype("<f4")


class Embedding(models.Model):
    """One paper's vector from one model, with the hash of the text it was computed from.

    Re-encoding is needed only when the model or the title/abstract changes; the vector
    indexes (an ANN file beside SQLite, pgvector in PostgreSQL) are rebuilt from these rows
    without running the model again.
    """

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, primary_key=True)
    model = models.CharField(max_length=100)
    content_hash = models.CharField(max_length=16)
    vector = models.BinaryField()  # float32, little-endian, L2-normalised
    # When the vector was computed (vector indexes sync from this), and when the paper was
    # last found unchanged (so a paper whose upvotes moved is not looked at again).
    encoded_at = models.DateTimeField(db_index=True)
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.paper_id} ({self.model})"


def decode_vector(blob: bytes | memoryview) -> npt.NDArray[np.float32]:
    """One stored vector (``Embedding.vector``) as a float32 array."""
    return np.frombuffer(bytes(blob), dtype=VECTOR_DTYPE).astype(np.float32, copy=False)


def decode_matrix(blobs: Iterable[bytes | memoryview], dim: int) -> npt.NDArray[np.float32]:
    """Stored vectors of one dimension as the rows of a matrix (one copy, no per-row arrays)."""
    joined = b"".join(bytes(b) for b in blobs)
    return np.frombuffer(joined, dtype=VECTOR_DTYPE).reshape(-1, dim).astype(np.float32, copy=False)


def vectors_for(paper_ids: Iterable[int], model: str) -> tuple[list[int], npt.NDArray[np.float32]]:
    """The stored vectors of these papers for ``model``: (the ids that have one, a matrix with
    one row each, in that order). Papers without a vector are left out."""
    ids: list[int] = []
    blobs: list[bytes] = []
    wanted = list(paper_ids)
    for start in range(0, len(wanted), 10_000):
        rows = Embedding.objects.filter(paper_id__in=wanted[start : start + 10_000], model=model)
        for paper_id, blob in rows.values_list("paper_id", "vector").iterator(chunk_size=2000):
            ids.append(paper_id)
            blobs.append(bytes(blob))
    if not blobs:
        return [], np.zeros((0, 0), dtype=np.float32)
    return ids, decode_matrix(blobs, len(blobs[0]) // VECTOR_DTYPE.itemsize)


class SearchMeta(models.Model):
    """Small facts the derived indexes check themselves against (this database's identity)."""

    name = models.CharField(max_length=50, unique=True)
    value = models.TextField()

    def __str__(self) -> str:
        return self.name


def database_identity() -> str:
    """A random id made once per database: an index file built from another database (a
    restored backup, a copied data directory) is recognised as stale."""
    import uuid

    meta, _ = SearchMeta.objects.get_or_create(
        name="database_id", defaults={"value": uuid.uuid4().hex}
    )
    return meta.value
