"""For you: a ranking model per reader, learned from their signals, retrained in the
background when they change, ranking a day's (week's, month's) papers with reasons.

This is the package's public face; the rest of paperwire imports only these names from
``paperwire.foryou``. They load on first use, because this is also a Django app package,
imported before its models may be.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.foryou.privacy import forget, model_info
    from paperwire.foryou.rank import (
        Recommendation,
        Status,
        more_like_collection,
        recommend,
        recommend_many,
        status,
    )
    from paperwire.foryou.train import MIN_POSITIVES, retrain, retrain_due

_HOMES = {
    **dict.fromkeys(
        ["Recommendation", "Status", "more_like_collection", "recommend", "recommend_many",
         "status"],
        "rank",
    ),
    **dict.fromkeys(["MIN_POSITIVES", "retrain", "retrain_due"], "train"),
    **dict.fromkeys(["forget", "model_info"], "privacy"),
}  # fmt: skip

__all__ = [
    "MIN_POSITIVES",
    "Recommendation",
    "Status",
    "forget",
    "model_info",
    "more_like_collection",
    "recommend",
    "recommend_many",
    "retrain",
    "retrain_due",
    "status",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.foryou' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.foryou.{home}"), name)
    globals()[name] = value
    return value
