"""Fixtures for the source tests: a replay server per module, an endpoint of it per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.replay import Endpoint, ReplayServer

_endpoints = itertools.count(1)


@pytest.fixture(scope="module")
def module_server() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


@pytest.fixture
def api(module_server: ReplayServer) -> Endpoint:
    """An arXiv API endpoint of this test's own on the module's server."""
    return Endpoint(module_server, f"/test{next(_endpoints)}/api/query")
