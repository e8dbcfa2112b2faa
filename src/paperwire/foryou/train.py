"""Training: a reader's model is retrained in the background when their signals changed,
never while a page waits (``tasks`` queues it; ``retrain_due`` is the safety net)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from paperwire.foryou import features
from paperwire.foryou.model import ReaderModel
from paperwire.foryou.models import StoredModel
from paperwire.library import Reader, reader_signals

MIN_POSITIVES = 3  # "a reader with three positives already gets a ranking"


def retrain(user: Any) -> ReaderModel | None:
    """Train ``user``'s model from their signals as they are now and store it; None (and no
    model kept) while they have fewer than ``MIN_POSITIVES`` positives."""
    signals = reader_signals(user)
    now = timezone.now()
    if len(signals.positives) < MIN_POSITIVES:
        # An empty blob records "seen, too few positives", so the reader is not due again
        # until their signals change.
        StoredModel.objects.update_or_create(
            user=user,
            defaults={
                "blob": b"",
                "trained_at": now,
                "signals_at": signals.changed_at,
                "positives": len(signals.positives),
                "negatives": len(signals.negatives),
            },
        )
        return None
    if features.terms_stale():
        features.refit_terms()
    background, calibration, _ = features.background()
    positives = features.paper_set(signals.positives)
    negatives = features.paper_set(signals.negatives)
    if len(positives) < MIN_POSITIVES:  # papers gone from the catalogue
        return None
    model = ReaderModel.fit(positives, negatives, background, calibration)
    StoredModel.objects.update_or_create(
        user=user,
        defaults={
            "blob": model.to_bytes(),
            "trained_at": now,
            "signals_at": signals.changed_at,
            "positives": len(positives),
            "negatives": len(negatives),
        },
    )
    return model


def _due() -> QuerySet[Reader]:
    return Reader.objects.filter(signals_changed_at__isnull=False).filter(
        Q(user__foryou_model__isnull=True)
        | Q(user__foryou_model__signals_at__isnull=True)
        | Q(signals_changed_at__gt=F("user__foryou_model__signals_at"))
    )


def due(limit: int | None = None) -> list[int]:
    """Readers whose signals changed after their model was trained (or who have none),
    longest waiting first."""
    readers = _due().order_by("signals_changed_at").values_list("user_id", flat=True)
    return list(readers[:limit] if limit else readers)


def is_due(user_id: int) -> bool:
    return _due().filter(user_id=user_id).exists()


def retrain_due(limit: int = 200) -> int:
    """Retrain up to ``limit`` readers whose signals changed; returns how many were trained."""
    users = get_user_model().objects.in_bulk(due(limit))
    for user in users.values():
        retrain(user)
    return len(users)
