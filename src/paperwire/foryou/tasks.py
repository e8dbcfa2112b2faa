"""The task queue's (Huey) side of the ranking: a reader's model is retrained after their
signals change, once the change has committed, and a periodic sweep catches any retrain a
lost task or a stopped worker missed."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.dispatch import receiver
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from paperwire.foryou import train
from paperwire.library import signals_changed
from paperwire.tasklocks import expiring_lock

log = logging.getLogger(__name__)


@db_task(retries=1, retry_delay=60)  # type: ignore[untyped-decorator]  # Huey has no hints
def retrain_reader(user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return False
    # Several changes in a row queue several tasks: a task whose change an earlier one
    # already learned from has nothing to do.
    if not train.is_due(user_id):
        return False
    return train.retrain(user) is not None


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def retrain_due() -> int:
    with expiring_lock("paperwire-foryou-retrain-due", 30 * 60):
        trained = train.retrain_due()
    if trained:
        log.info("retrained %d reader models", trained)
    return trained


@receiver(signals_changed)
def _signals_changed(sender: Any, user: Any, **kwargs: Any) -> None:
    # The library sends this once the change has committed, so the task reads it.
    retrain_reader(user.pk)
