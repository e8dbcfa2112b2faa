"""Embeddings, kept in the catalogue's database: the source the vector indexes are built from."""

from __future__ import annotations

from django.db import models

from paperwire.catalogue.models import Paper


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
