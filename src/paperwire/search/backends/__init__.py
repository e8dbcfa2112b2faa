"""The search backend for this node: derived indexes in ``PAPERWIRE_INDEX_DIR`` (tantivy +
an HNSW file; on PostgreSQL with the database's full text standing in while they are built), or
PostgreSQL's own full text + pgvector (``PAPERWIRE_SEARCH_BACKEND=postgres``)."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection

from paperwire.search.backends.base import IndexUnavailable, SearchBackend

__all__ = ["IndexUnavailable", "SearchBackend", "get_backend", "reset_backend"]


@cache
def _backend(vendor: str, choice: str, index_dir: str) -> SearchBackend:
    if vendor == "postgresql" and choice == "postgres":
        from paperwire.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    if vendor == "postgresql":
        from paperwire.search.backends.replica import ReplicaBackend

        return ReplicaBackend(settings.SEARCH_INDEX_DIR)
    from paperwire.search.backends.sqlite import SqliteBackend

    return SqliteBackend(settings.SEARCH_INDEX_DIR)


def get_backend() -> SearchBackend:
    return _backend(connection.vendor, settings.SEARCH_BACKEND, str(settings.SEARCH_INDEX_DIR))


def reset_backend() -> None:
    """Forget open indexes (tests that move the index directory)."""
    _backend.cache_clear()
