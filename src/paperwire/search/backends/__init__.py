"""The search backend for the database in use: SQLite (tantivy + an ANN file) or PostgreSQL
(full text + pgvector)."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection

from paperwire.search.backends.base import IndexUnavailable, SearchBackend

__all__ = ["IndexUnavailable", "SearchBackend", "get_backend", "reset_backend"]


@cache
def _backend(vendor: str, index_dir: str) -> SearchBackend:
    if vendor == "postgresql":
        from paperwire.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    from paperwire.search.backends.sqlite import SqliteBackend

    return SqliteBackend(settings.SEARCH_INDEX_DIR)


def get_backend() -> SearchBackend:
    return _backend(connection.vendor, str(settings.SEARCH_INDEX_DIR))


def reset_backend() -> None:
    """Forget open indexes (tests that move the index directory)."""
    _backend.cache_clear()
