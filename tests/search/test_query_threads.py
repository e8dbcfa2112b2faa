"""How many threads the embedding model uses in a process: PAPERWIRE_QUERY_THREADS when set,
else all cores up to 4, or under `paperwire serve` each worker's share of them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from paperwire.search.embeddings import query_threads, share_cores


@pytest.fixture
def eight_cores(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[None]:
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    settings.QUERY_THREADS = None
    yield
    share_cores(1)  # a lone process again, as every other test expects


def test_a_lone_process_uses_every_core_up_to_four(eight_cores):
    assert query_threads() == 4


def test_server_workers_share_the_cores(eight_cores):
    share_cores(3)
    assert query_threads() == 2
    share_cores(8)
    assert query_threads() == 1
    share_cores(16)
    assert query_threads() == 1  # never none


def test_the_setting_wins_over_the_share(eight_cores, settings: Settings):
    settings.QUERY_THREADS = 3
    share_cores(4)
    assert query_threads() == 3
