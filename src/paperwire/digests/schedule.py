"""What the scheduler should start at a given moment (pure: the tests call it with any time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from paperwire.digests.models import Frequency
from paperwire.digests.periods import last_complete


@dataclass(frozen=True)
class Job:
    name: str  # "harvest" or "digest"
    frequency: str = ""
    day: dt.date | None = None  # a day in the period to send


def due(now: dt.datetime) -> list[Job]:
    local = now.astimezone(ZoneInfo(settings.DIGEST_TIME_ZONE))
    jobs: list[Job] = []
    if settings.HARVEST_CATEGORIES and local.hour == settings.HARVEST_HOUR:
        jobs.append(Job("harvest", day=local.date()))
    if local.hour == settings.DIGEST_HOUR:
        today = local.date()
        jobs.append(Job("digest", Frequency.DAILY, last_complete(Frequency.DAILY, today).first))
        if local.weekday() == settings.DIGEST_WEEKDAY:
            jobs.append(
                Job("digest", Frequency.WEEKLY, last_complete(Frequency.WEEKLY, today).first)
            )
    return jobs
