"""Words as the rest of the site compares them with a query: lower case, common endings off.

A crude stem, close enough to the keyword index's English stemming that "networks" marks
"network" in a highlighted excerpt and matches it in a digest topic; not used for ranking.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"\w+", re.UNICODE)
_ENDINGS = ("ing", "ed", "es", "s")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    lowered = word.lower()
    for ending in _ENDINGS:
        if lowered.endswith(ending) and len(lowered) - len(ending) >= 3:
            return lowered[: -len(ending)]
    return lowered
