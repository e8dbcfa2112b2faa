"""Fixtures for the API tests: papers, accounts with tokens, a fresh search index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from paperwire.community.models import ApiToken
from paperwire.search.backends import SearchBackend, get_backend, reset_backend


@pytest.fixture(autouse=True)
def _fresh_cache(db: None) -> Iterator[None]:
    # Rate-limit counters live in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_paper() -> Callable[..., Paper]:
    counter = iter(range(1, 100_000))

    def make(**fields: Any) -> Paper:
        n = next(counter)
        values: dict[str, Any] = {
            "arxiv_id": f"2501.{n:05d}",
            "title": f"Paper number {n}",
            "abstract": f"The abstract of paper {n}.",
            "authors": ["Ada Lovelace", "Alan Turing"],
            "categories": ["cs.LG", "stat.ML"],
            "primary_category": "cs.LG",
            "published": dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC),
            "announced_on": dt.date(2025, 1, 2),
        }
        values.update(fields)
        return Paper.objects.create(**values)

    return make


@pytest.fixture
def user(db: None) -> Any:
    return get_user_model().objects.create_user(
        username="reader", email="reader@example.org", password=None
    )


@pytest.fixture
def token(user: Any) -> str:
    return ApiToken.issue(user, "test")[1]


@pytest.fixture
def authed(token: str) -> Client:
    """A client that sends the token with every request."""
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def backend(settings: Settings, tmp_path: Path, db: None) -> Iterator[SearchBackend]:
    """An empty search backend of the suite's database kind (see tests/search/conftest.py)."""
    from django.db import connection

    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS search_pgvector, search_pgvector_build")
    yield get_backend()
    reset_backend()
