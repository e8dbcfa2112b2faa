from __future__ import annotations

from collections.abc import Callable

import pytest

from paperwire.search.backends import SearchBackend


@pytest.fixture
def indexed(backend: SearchBackend) -> Callable[[], int]:
    """A keyword index of this test's own; call it after making papers to index them."""
    return backend.refresh_lexical
