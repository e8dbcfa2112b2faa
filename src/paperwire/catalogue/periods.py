"""Periods of the catalogue's days — a day, an ISO week (Monday to Sunday), a month — with
their labels, their canonical addresses and the parsing of those addresses.

The one home of periods: the site's lists, the API, the feeds and the digests all use these.
A paper's day is ``Paper.day`` (see ``PaperQuerySet.in_days``). Addresses are canonical: one
spelling per period (``2025-03-12``, ``2025-W11``, ``2025-03``, four-digit years), ASCII digits
only — any other spelling that names a period is redirected to it by the site, so one period is
one page and one cache entry. Parsing takes only the years a catalogue can hold (``FIRST_YEAR``
to ``LAST_YEAR``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

KINDS = ("day", "week", "month")
# The digests' frequencies are the adjectives of the kinds: a daily digest covers a day.
FREQUENCY_OF = {"day": "daily", "week": "weekly", "month": "monthly"}
KIND_OF = {adjective: kind for kind, adjective in FREQUENCY_OF.items()}


class BadPeriod(ValueError):
    """Text that names no day, week or month; the message says what was expected."""


@dataclass(frozen=True)
class Period:
    kind: str  # "day", "week" or "month"
    first: dt.date
    last: dt.date

    @property
    def frequency(self) -> str:
        """ "daily", "weekly" or "monthly": the digest that covers one such period."""
        return FREQUENCY_OF[self.kind]

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.first:%A}, {self.first.day} {self.first:%B} {self.first.year}"
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return (
                f"week {week} of {year} ({self.first.day} {self.first:%b} – "
                f"{self.last.day} {self.last:%b} {self.last.year})"
            )
        return f"{self.first:%B} {self.first.year}"

    @property
    def slug(self) -> str:
        """The period's canonical spelling in addresses and API parameters."""
        if self.kind == "day":
            return f"{self.first.year:04d}-{self.first.month:02d}-{self.first.day:02d}"
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return f"{self.first.year:04d}-{self.first.month:02d}"

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

    def previous(self) -> Period | None:
        """The period just before (None before the calendar's first day)."""
        try:
            return containing(self.kind, self.first - dt.timedelta(days=1))
        except OverflowError:
            return None

    def next(self) -> Period | None:
        """The period just after (None after the calendar's last day)."""
        try:
            return containing(self.kind, self.last + dt.timedelta(days=1))
        except OverflowError:
            return None


def day(date: dt.date) -> Period:
    return Period("day", date, date)


def week_of(date: dt.date) -> Period:
    monday = date - dt.timedelta(days=date.weekday())
    try:
        sunday = monday + dt.timedelta(days=6)
    except OverflowError:  # the week of 31 December 9999 runs past the calendar
        sunday = dt.date.max
    return Period("week", monday, sunday)


def month_of(date: dt.date) -> Period:
    first = date.replace(day=1)
    if first.month == 12:
        last = first.replace(day=31)
    else:
        last = first.replace(month=first.month + 1) - dt.timedelta(days=1)
    return Period("month", first, last)


def containing(kind: str, date: dt.date) -> Period:
    """The period of ``kind`` (day, week, month, or daily, weekly, monthly) holding ``date``."""
    kind = KIND_OF.get(kind, kind)
    if kind == "day":
        return day(date)
    if kind == "week":
        return week_of(date)
    if kind == "month":
        return month_of(date)
    raise ValueError(f"a period is a day, a week or a month, not {kind!r}")


def last_complete(kind: str, today: dt.date) -> Period:
    """The latest period of ``kind`` that ended before ``today``: yesterday, last week, ..."""
    previous = containing(kind, today).previous()
    if previous is None:
        raise ValueError(f"no {kind} ends before {today}")
    return previous


def latest_day(today: dt.date | None = None) -> dt.date | None:
    """The newest day with visible papers, not after today (the home page's day)."""
    from paperwire.catalogue.models import Paper  # models import this module's neighbours

    today = today or timezone.localdate()
    papers = Paper.objects.visible()
    submitted = papers.filter(daily_date__lte=today).aggregate(d=Max("daily_date"))["d"]
    announced = papers.filter(announced_on__lte=today).aggregate(d=Max("announced_on"))["d"]
    days = [d for d in (submitted, announced) if d is not None]
    return max(days) if days else None


# The years an address may name: arXiv opened in August 1991, so no paper has an earlier day,
# and 2100 leaves the catalogue three generations of room. Any other year names no page that
# could hold a paper; refusing it at parsing keeps every period page a bounded amount of work
# and keeps the calendar's edge (year 9999, where the next day overflows) out of reach.
FIRST_YEAR = 1991
LAST_YEAR = 2100
YEARS = f"years {FIRST_YEAR} to {LAST_YEAR}"

# ASCII digits only: \d would take Arabic-Indic or full-width digits, and each such spelling
# would be one more page for the same period.
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_WEEK = re.compile(r"([0-9]{4})-?[Ww]([0-9]{1,2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def _year(text: str) -> int:
    """A year of an address, or ValueError outside FIRST_YEAR..LAST_YEAR."""
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(year)
    return year


def parse_day(text: str) -> Period:
    match = _DAY.fullmatch(text)
    try:
        if not match:
            raise ValueError
        year, month, number = match.groups()
        return day(dt.date(_year(year), int(month), int(number)))
    except ValueError:
        raise BadPeriod(f"not a day: {text[:40]!r} (expected YYYY-MM-DD, {YEARS})") from None


def parse_week(text: str) -> Period:
    match = _WEEK.fullmatch(text)
    try:
        if not match:
            raise ValueError
        year, number = match.groups()
        return week_of(dt.date.fromisocalendar(_year(year), int(number), 1))
    except ValueError:
        raise BadPeriod(
            f"not a week: {text[:40]!r} (expected YYYY-Www, e.g. 2025-W07, {YEARS})"
        ) from None


def parse_month(text: str) -> Period:
    match = _MONTH.fullmatch(text)
    try:
        if not match:
            raise ValueError
        year, month = match.groups()
        return month_of(dt.date(_year(year), int(month), 1))
    except ValueError:
        raise BadPeriod(f"not a month: {text[:40]!r} (expected YYYY-MM, {YEARS})") from None


PARSERS = {"day": parse_day, "week": parse_week, "month": parse_month}


def parse(kind: str, text: str) -> Period:
    """``text`` as a period of ``kind`` (day, week or month)."""
    return PARSERS[kind](text)


# The query parameters (API, For you, `paperwire recommend`) that name a period, by kind.
PERIOD_PARAMETERS = {"date": "day", "week": "week", "month": "month"}


def named_or_latest(given: Mapping[str, str | None]) -> Period | None:
    """The period one of ``date``, ``week`` or ``month`` names in ``given``, else the newest
    day with papers, as on the home page (None when the catalogue has none).

    Raises ``BadPeriod``, its message naming the parameter, for a bad value or for several."""
    # Given but empty (``?date=``) is a bad value, not an absent one.
    named = [(name, text) for name in PERIOD_PARAMETERS if (text := given.get(name)) is not None]
    if len(named) > 1:
        raise BadPeriod("give only one of date, week and month")
    if named:
        name, text = named[0]
        try:
            return parse(PERIOD_PARAMETERS[name], text)
        except BadPeriod as exc:
            raise BadPeriod(f"{name}: {exc}") from None
    latest = latest_day()
    return day(latest) if latest is not None else None
