"""The periods a list can cover: a day, an ISO week, a month — parsed from URLs and queries."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


class BadPeriod(ValueError):
    """Text that names no day, week or month; the message says what was expected."""


@dataclass(frozen=True)
class Period:
    kind: str  # "day", "week" or "month"
    first: dt.date
    last: dt.date

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.first:%A, %-d %B %Y}"
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"week {week} of {year} ({self.first:%-d %b} – {self.last:%-d %b %Y})"
        return f"{self.first:%B %Y}"

    @property
    def slug(self) -> str:
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first:%Y-%m}"

    @property
    def path(self) -> str:
        return {"day": "/date/", "week": "/week/", "month": "/month/"}[self.kind] + self.slug

    @property
    def day_path(self) -> str:
        return day(self.first).path

    @property
    def week_path(self) -> str:
        return week_of(self.first).path

    @property
    def month_path(self) -> str:
        return month_of(self.first).path

    def previous(self) -> Period:
        return self._shift(-1)

    def next(self) -> Period:
        return self._shift(1)

    def _shift(self, step: int) -> Period:
        if self.kind == "day":
            return day(self.first + dt.timedelta(days=step))
        if self.kind == "week":
            return week_of(self.first + dt.timedelta(weeks=step))
        first = self.first
        month = first.month + step
        year = first.year + (month - 1) // 12
        return month_of(dt.date(year, (month - 1) % 12 + 1, 1))


def day(date: dt.date) -> Period:
    return Period("day", date, date)


def week_of(date: dt.date) -> Period:
    monday = date - dt.timedelta(days=date.weekday())
    return Period("week", monday, monday + dt.timedelta(days=6))


def month_of(date: dt.date) -> Period:
    first = date.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period("month", first, following - dt.timedelta(days=1))


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_day(text: str) -> Period:
    match = _DAY.match(text.strip())
    try:
        if not match:
            raise ValueError
        return day(dt.date(*map(int, match.groups())))
    except ValueError:
        raise BadPeriod(f"not a day: {text[:40]!r} (expected YYYY-MM-DD)") from None


def parse_week(text: str) -> Period:
    match = _WEEK.match(text.strip())
    try:
        if not match:
            raise ValueError
        year, number = map(int, match.groups())
        return week_of(dt.date.fromisocalendar(year, number, 1))
    except ValueError:
        raise BadPeriod(f"not a week: {text[:40]!r} (expected YYYY-Www, e.g. 2025-W07)") from None


def parse_month(text: str) -> Period:
    match = _MONTH.match(text.strip())
    try:
        if not match:
            raise ValueError
        year, month = map(int, match.groups())
        return month_of(dt.date(year, month, 1))
    except ValueError:
        raise BadPeriod(f"not a month: {text[:40]!r} (expected YYYY-MM)") from None
