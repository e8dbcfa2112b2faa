"""What runs periodically, and when: one table, ``PERIODIC``, read by the hourly check; and
notification mail, every ``NOTICE_MINUTES`` minutes.

Huey runs ``hourly`` at the top of every hour; it asks ``due(now)`` what to start and puts
those tasks on the queue. The hours come from settings at run time, not from a crontab, so an
operator changes them with an environment variable; every hour is local to
``DIGEST_TIME_ZONE`` (the schedule's zone, named when digests were its only job). The tasks
themselves live with what they do: the harvest in ingest, the digests in digests.

A task with ``owed`` is also queued again at any later hour while the work of its latest start
is still owed: a period's digests whose run never started (no worker at the hour) or stopped
before its end (a killed worker, a mail server that was down) go out at the next full hour
after nobody is at work on them, without an operator.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from paperwire.catalogue.periods import last_complete
from paperwire.digests.models import Frequency
from paperwire.digests.run import unfinished
from paperwire.digests.tasks import send_digests, send_notices
from paperwire.ingest.tasks import harvest

TIME_ZONE_SETTING = "DIGEST_TIME_ZONE"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """A task started at a local hour (and weekday), named by settings."""

    name: str
    task: Any  # a Huey task: ``task.schedule(args=...)`` queues it
    args: Callable[[dt.date], tuple[str, ...]]  # its arguments, from the local day it starts
    hour_setting: str  # the hour, 0-23
    weekday_setting: str = ""  # weekly tasks: the weekday, 0 = Monday
    only_if_setting: str = ""  # started only while this setting is not empty
    # Asked at every later hour, with the arguments of the latest start and the time: whether
    # that start's work is still owed (its run never happened or stopped), so it is queued again.
    owed: Callable[[tuple[str, ...], dt.datetime], bool] | None = None

    def enabled(self) -> bool:
        return not self.only_if_setting or bool(getattr(settings, self.only_if_setting))

    def is_due(self, local: dt.datetime) -> bool:
        if not self.enabled() or local.hour != getattr(settings, self.hour_setting):
            return False
        return not self.weekday_setting or local.weekday() == getattr(
            settings, self.weekday_setting
        )

    def last_start(self, local: dt.datetime) -> dt.date:
        """The local day of this task's latest start at or before ``local``."""
        day = local.date()
        if local.hour < getattr(settings, self.hour_setting):
            day -= dt.timedelta(days=1)
        if self.weekday_setting:
            day -= dt.timedelta(days=(day.weekday() - getattr(settings, self.weekday_setting)) % 7)
        return day


def _day(today: dt.date) -> tuple[str, ...]:
    return (today.isoformat(),)


def _last_period(frequency: str) -> Callable[[dt.date], tuple[str, ...]]:
    # A digest covers the last complete period: yesterday, or last Monday to Sunday.
    def args(today: dt.date) -> tuple[str, ...]:
        return (frequency, last_complete(frequency, today).first.isoformat())

    return args


def _digests_owed(args: tuple[str, ...], now: dt.datetime) -> bool:
    frequency, first = args
    return unfinished(frequency, dt.date.fromisoformat(first), now)


PERIODIC: tuple[Periodic, ...] = (
    Periodic(
        "harvest", harvest, _day,
        hour_setting="HARVEST_HOUR", only_if_setting="HARVEST_CATEGORIES",
    ),
    Periodic(
        "daily digests", send_digests, _last_period(Frequency.DAILY),
        hour_setting="DIGEST_HOUR", owed=_digests_owed,
    ),
    Periodic(
        "weekly digests", send_digests, _last_period(Frequency.WEEKLY),
        hour_setting="DIGEST_HOUR", weekday_setting="DIGEST_WEEKDAY", owed=_digests_owed,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Job:
    periodic: Periodic
    args: tuple[str, ...]
    again: bool = False  # queued again because the latest start's work is still owed

    def start(self) -> None:
        self.periodic.task.schedule(args=self.args, delay=0)


def due(now: dt.datetime) -> list[Job]:
    """What to start at ``now``: what starts at this hour, and what started earlier and is
    still owed (settings and, for ``owed``, the database; the tests pass any time)."""
    local = now.astimezone(ZoneInfo(getattr(settings, TIME_ZONE_SETTING)))
    jobs = []
    for p in PERIODIC:
        if p.is_due(local):
            jobs.append(Job(p, p.args(local.date())))
        elif p.owed is not None and p.enabled():
            args = p.args(p.last_start(local))
            if p.owed(args, now):
                jobs.append(Job(p, args, again=True))
    return jobs


@db_periodic_task(crontab(minute="0"))  # type: ignore[untyped-decorator]  # Huey has no hints
def hourly() -> None:
    for job in due(timezone.now()):
        if job.again:
            log.warning("%s %s: not finished at its hour; queued again", job.periodic.name,
                        " ".join(job.args))  # fmt: skip
        job.start()


# Notification mail waits at most this long (plus the per-reader gap, digests/notices.py).
NOTICE_MINUTES = 5


@db_periodic_task(crontab(minute=f"*/{NOTICE_MINUTES}"))  # type: ignore[untyped-decorator]
def notices() -> None:
    send_notices.schedule(delay=0)
