from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from paperwire.search.backends import get_backend, reset_backend


@pytest.fixture
def indexed(settings: Settings, tmp_path: Path, db: None) -> Iterator[Callable[[], int]]:
    """A keyword index of this test's own; call it after making papers to index them."""
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    yield lambda: get_backend().refresh_lexical()
    reset_backend()
