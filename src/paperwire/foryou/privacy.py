"""A reader's ranking model is theirs: what the account page exports of it, and forgetting it.

The model's weights are derived from the reader's signals (which the library exports), so the
export carries only what describes it, never the bytes.
"""

from __future__ import annotations

from typing import Any

from paperwire.foryou.models import StoredModel


def model_info(user: Any) -> dict[str, Any] | None:
    """What the reader's stored model is: when trained, on how many signals, its size."""
    stored = StoredModel.objects.filter(user=user).first()
    if stored is None:
        return None
    return {
        "trained_at": stored.trained_at.isoformat(),
        "signals_at": stored.signals_at.isoformat() if stored.signals_at else None,
        "positives": stored.positives,
        "negatives": stored.negatives,
        "bytes": len(stored.blob),
    }


def forget(user: Any) -> None:
    """Delete the reader's stored model; a ranking needs new signals and a retrain."""
    StoredModel.objects.filter(user=user).delete()
