"""The page cache's file backend stays bounded while checking its size only now and then."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.web import filecache
from paperwire.web.filecache import SampledCullFileCache


def test_it_culls_when_a_check_comes_and_only_then(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cache = SampledCullFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    monkeypatch.setattr(filecache, "CULL_CHECK_CHANCE", 0.0)
    for n in range(30):
        cache.set(f"k{n}", n)
    assert len(list(tmp_path.glob("*.djcache"))) == 30
    monkeypatch.setattr(filecache, "CULL_CHECK_CHANCE", 1.0)
    cache.set("one more", 1)
    assert len(list(tmp_path.glob("*.djcache"))) < 30
    assert cache.get("one more") == 1
