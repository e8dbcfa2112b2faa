"""Fixtures for the search tests: a fresh search backend for the database the suite runs on."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from paperwire.search.backends import IndexUnavailable, SearchBackend, get_backend, reset_backend

# `make test-pgvector` runs on a PostgreSQL that has pgvector: there, vector tests must run.
PGVECTOR_REQUIRED = os.environ.get("PAPERWIRE_TEST_PGVECTOR") == "1"


@pytest.fixture
def backend(settings: Settings, tmp_path: Path, db: None) -> Iterator[SearchBackend]:
    """The backend ``get_backend()`` picks, with nothing indexed yet.

    SQLite: index files under this test's tmp_path. PostgreSQL: the derived vector table is
    dropped inside the test's transaction (so the test starts without one, and the drop is
    rolled back with everything else).
    """
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS search_pgvector, search_pgvector_build")
    yield get_backend()
    reset_backend()


@pytest.fixture
def sync_vectors(backend: SearchBackend) -> Callable[[str], int]:
    """``backend.sync_vectors``, skipping the test when the database has no vector support
    (PostgreSQL without pgvector) — unless this run promised pgvector."""

    def sync(model: str) -> int:
        try:
            return backend.sync_vectors(model)
        except IndexUnavailable as exc:
            if "pgvector" in str(exc) and not PGVECTOR_REQUIRED:
                pytest.skip(str(exc))
            raise

    return sync
