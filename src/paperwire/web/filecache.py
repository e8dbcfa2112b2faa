"""Django's file cache, checking its size on one write in a hundred instead of every one.

``FileBasedCache`` lists its whole directory on every ``set`` to decide whether to cull; with
thousands of cached pages that listing was most of the cost of an uncached page
(bench/serve_load.py, py-spy). Culling now and then keeps the directory bounded all the same.
"""

from __future__ import annotations

import random

from django.core.cache.backends.filebased import FileBasedCache

CULL_CHECK_CHANCE = 0.01


class SampledCullFileCache(FileBasedCache):
    def _cull(self) -> None:
        if random.random() < CULL_CHECK_CHANCE:
            super()._cull()  # type: ignore[misc]  # private, not in the stubs
