"""The period a digest covers: the day, or the ISO week (Monday to Sunday), containing a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from paperwire.digests.models import Frequency


@dataclass(frozen=True)
class DigestPeriod:
    frequency: str
    first: dt.date
    last: dt.date

    @property
    def label(self) -> str:
        if self.frequency == Frequency.DAILY:
            return f"{self.first:%A %-d %B %Y}"
        year, week, _ = self.first.isocalendar()
        return f"week {week} of {year} ({self.first:%-d %b} – {self.last:%-d %b})"


def period_containing(frequency: str, day: dt.date) -> DigestPeriod:
    if frequency == Frequency.DAILY:
        return DigestPeriod(frequency, day, day)
    if frequency == Frequency.WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        return DigestPeriod(frequency, monday, monday + dt.timedelta(days=6))
    raise ValueError(f"frequency must be daily or weekly, not {frequency!r}")


def last_complete(frequency: str, today: dt.date) -> DigestPeriod:
    """What a scheduled send covers: yesterday, or last week."""
    if frequency == Frequency.DAILY:
        return period_containing(frequency, today - dt.timedelta(days=1))
    return period_containing(frequency, today - dt.timedelta(days=7))
