"""Fixtures for the search tests; ``backend`` itself is in tests/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from paperwire.search.backends import IndexUnavailable, SearchBackend

# `make test-pgvector` runs on a PostgreSQL that has pgvector: there, vector tests must run.
PGVECTOR_REQUIRED = os.environ.get("PAPERWIRE_TEST_PGVECTOR") == "1"


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
