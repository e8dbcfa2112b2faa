"""A paper's day: the date of the arXiv daily listing it first appears in.

arXiv announces new submissions at 20:00 US Eastern, Sunday to Thursday; the listing (and the
mailing) of that announcement carries the next day's date, so listing days run Monday to
Friday. A submission joins the first announcement whose 14:00 Eastern cut-off (Monday to
Friday) it beat (https://info.arxiv.org/help/availability.html):

    submitted (Eastern)          announced        listing day
    Mon 14:00 - Tue 14:00        Tue 20:00        Wed
    Tue 14:00 - Wed 14:00        Wed 20:00        Thu
    Wed 14:00 - Thu 14:00        Thu 20:00        Fri
    Thu 14:00 - Fri 14:00        Sun 20:00        Mon
    Fri 14:00 - Mon 14:00        Mon 20:00        Tue

Until 2017-01-02 the cut-off (arXiv's "freeze time") was 16:00. On arXiv's holidays an
announcement is skipped and its papers join the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Final
from zoneinfo import ZoneInfo

EASTERN: Final = ZoneInfo("America/New_York")
# From arXiv's "What's new" (github.com/arXiv/arxiv-docs, source/new/index.md, Nov 2016):
# "Beginning January 2, 2017, the freeze time will change to 14:00 US Eastern time".
CUT_OFFS: Final = ((dt.date(2017, 1, 2), dt.time(14, 0)), (dt.date.min, dt.time(16, 0)))
_SUNDAY: Final = 6
_ANNOUNCEMENT_WEEKDAYS: Final = frozenset({0, 1, 2, 3, _SUNDAY})  # Mon-Thu and Sun evenings

# arXiv's holidays as its "Availability of submissions" page lists them each year (kept in
# github.com/arXiv/arxiv-docs, source/help/availability.md; the final list of each year). A
# listed day cancels the first announcement on or after it: 2025 names the Sunday evening
# skipped after 4 July ("Sun 6 July"), 2026 names the Friday off (2026-06-19) and the real
# listings show the Sunday after it skipped the same way. Of the nine listing days these
# cancel in ../shared/data/arxiv-cs-daily-listings (2025-06 .. 2026-06), eight are absent or
# repeat the day before, and 2025-11-28 holds 21 stray papers (bench/announcement_days.py).
# 2027's list is not out yet (December 2026): until it is added, 2027 has no holidays.
HOLIDAYS: Final[frozenset[dt.date]] = frozenset(
    dt.date.fromisoformat(day)
    for day in (
        # 2023
        "2023-01-16", "2023-06-14", "2023-06-19", "2023-07-04", "2023-08-17",
        "2023-09-04", "2023-11-23", "2023-12-25", "2023-12-27",
        # 2024
        "2024-01-15", "2024-05-22", "2024-06-19", "2024-07-04", "2024-09-02",
        "2024-10-08", "2024-11-28", "2024-12-25", "2024-12-26", "2024-12-31",
        # 2025
        "2025-01-01", "2025-01-20", "2025-06-19", "2025-07-06", "2025-09-01",
        "2025-11-27", "2025-12-25", "2025-12-30",
        # 2026
        "2026-01-01", "2026-01-19", "2026-06-19", "2026-07-03", "2026-09-07",
        "2026-11-26", "2026-12-25", "2026-12-29", "2026-12-31",
    )
)  # fmt: skip


def announcement_day(
    submitted: dt.datetime, *, holidays: Collection[dt.date] = HOLIDAYS
) -> dt.date:
    """The listing day of a paper whose first version was submitted at ``submitted``.

    The date is the one the listing carries, the day after the evening announcement (the
    convention of ``PaperRecord.listing_date``). ``submitted`` must be timezone-aware; a
    source that knows only the day gives midnight UTC, which is 19:00 or 20:00 Eastern the
    evening before, so the paper joins the first announcement it could have made that day
    (the real listings agree for 84% of such papers; the others came after that day's cut-off).
    ``holidays=()`` gives the plain weekday schedule.
    """
    if submitted.utcoffset() is None:
        raise ValueError(f"submission time without a timezone: {submitted.isoformat()}")
    eastern = submitted.astimezone(EASTERN)
    deadline = eastern.date()
    if eastern.time() >= cut_off(deadline):
        deadline += dt.timedelta(days=1)
    while deadline.weekday() >= 5:  # no cut-off on Saturday or Sunday
        deadline += dt.timedelta(days=1)
    # The deadline's own evening, or the first after it that announces (Friday's is Sunday).
    cancelled = _cancelled(holidays)
    evening = deadline
    while not _announces(evening, cancelled):
        evening += dt.timedelta(days=1)
    return evening + dt.timedelta(days=1)


def cut_off(day: dt.date) -> dt.time:
    """The submission deadline on ``day``, US Eastern."""
    return next(time for since, time in CUT_OFFS if day >= since)


def listing_days(
    first: dt.date, last: dt.date, *, holidays: Collection[dt.date] = HOLIDAYS
) -> list[dt.date]:
    """The days from ``first`` to ``last`` (both included) that have an arXiv listing."""
    cancelled = _cancelled(holidays)
    span = (last - first).days + 1
    days = (first + dt.timedelta(days=n) for n in range(span))
    return [day for day in days if _announces(day - dt.timedelta(days=1), cancelled)]


def _announces(evening: dt.date, cancelled: frozenset[dt.date]) -> bool:
    return evening.weekday() in _ANNOUNCEMENT_WEEKDAYS and evening not in cancelled


def _cancelled(holidays: Collection[dt.date]) -> frozenset[dt.date]:
    return _CANCELLED if holidays is HOLIDAYS else _cancelled_by(holidays)


def _cancelled_by(holidays: Collection[dt.date]) -> frozenset[dt.date]:
    """The evenings the holidays cancel: each one's first announcement evening on or after it."""
    evenings = set()
    for day in holidays:
        while day.weekday() not in _ANNOUNCEMENT_WEEKDAYS:
            day += dt.timedelta(days=1)
        evenings.add(day)
    return frozenset(evenings)


_CANCELLED: Final = _cancelled_by(HOLIDAYS)  # computed once: ingest asks for every paper
