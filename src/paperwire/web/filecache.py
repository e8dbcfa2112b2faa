"""Django's file cache, with counters that count exactly and a size check now and then.

Counting: the rate limits count in the cache with ``add`` and ``incr`` (django-ratelimit).
``FileBasedCache`` does each as a read followed by a write, so server processes counting at
once lose updates (100 votes sent 16 at a time passed a limit of 60 sixty-three times, and
more on a busy machine). Here both hold an exclusive lock on one file in the cache's
directory, which every process using that directory shares: a read-modify-write is then one
step. Redis counts atomically by itself; this is only the file cache's gap.

Culling: ``FileBasedCache`` lists its whole directory on every ``set`` to decide whether to
cull; with thousands of cached pages that listing was most of the cost of an uncached page
(bench/serve_load.py, py-spy). Culling now and then keeps the directory bounded all the same.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

CULL_CHECK_CHANCE = 0.01
# Not a ".djcache" file: clearing and culling the cache leave it alone.
COUNTER_LOCK = "counters.lock"


class SampledCullFileCache(FileBasedCache):
    def _cull(self) -> None:
        if random.random() < CULL_CHECK_CHANCE:
            super()._cull()  # type: ignore[misc]  # private, not in the stubs

    @contextmanager
    def _counting(self) -> Iterator[None]:
        """Hold the directory's counter lock (across processes and threads alike)."""
        directory: str = self._dir  # type: ignore[attr-defined]  # set by FileBasedCache
        os.makedirs(directory, 0o700, exist_ok=True)  # the directory may be deleted any time
        with open(os.path.join(directory, COUNTER_LOCK), "ab") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        with self._counting():
            return super().add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._counting():
            return super().incr(key, delta, version)
