from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.replay import ReplayServer

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared(relative: str) -> Path:
    """A path in ../shared/data; the test is skipped, saying why, if it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server
