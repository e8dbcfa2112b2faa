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

A paper's arXiv id is given when its batch closes, and its YYMM is the month of that cut-off:
the Monday list of 2025-06-02 (cut-off Friday 30 May, announced Sunday 1 June) holds 2505.*
ids, Wednesday 2025-04-02's (cut-off Tuesday 1 April) 2504.*. So the id bounds the cut-off a
paper made: a paper held past the month of its submission carries the next month's id, and a
submission time after the id's month is not its first version's. Checked on the shared data:
all 331 papers of the arXiv API, OAI-PMH and Kaggle recordings (1990s to 2026) agree, and of
the 4,288 Hugging Face papers in the cs listings the 48 that disagree are all off their real
day by the time alone (bench/announcement_days.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from paperwire.sources.arxiv_ids import InvalidArxivId, parse_arxiv_id

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
    submitted: dt.datetime,
    *,
    arxiv_id: str | None = None,
    holidays: Collection[dt.date] = HOLIDAYS,
) -> dt.date:
    """The listing day of a paper whose first version was submitted at ``submitted``.

    The date is the one the listing carries, the day after the evening announcement (the
    convention of ``PaperRecord.listing_date``). ``submitted`` must be timezone-aware.

    A source that knows only the day gives midnight UTC (Hugging Face from April 2026). That
    day is the submission's UTC date, which runs from 20:00 (19:00 in winter) Eastern the
    evening before to 20:00 that day, across the 14:00 cut-off; read as midnight UTC it puts
    the paper before that day's cut-off, the side most of the day's submissions are on. The
    real listings agree for 85% of such papers; papers with a full time, cut to their UTC
    date, score 87% (to their Eastern date 82%). Most of the others came in the six hours
    after the cut-off, which nothing in the paper's own record tells apart.

    With ``arxiv_id``, the cut-off is kept within the id's month (see the module's text): not
    before its first weekday, not after its last. ``holidays=()`` gives the plain weekday
    schedule.
    """
    if submitted.utcoffset() is None:
        raise ValueError(f"submission time without a timezone: {submitted.isoformat()}")
    eastern = submitted.astimezone(EASTERN)
    deadline = eastern.date()
    if eastern.time() >= cut_off(deadline):
        deadline += dt.timedelta(days=1)
    deadline = _weekday_on_or_after(deadline)  # no cut-off on Saturday or Sunday
    month = id_month(arxiv_id) if arxiv_id is not None else None
    if month is not None:
        first, last = month
        deadline = min(max(deadline, _weekday_on_or_after(first)), _weekday_on_or_before(last))
    # The deadline's own evening, or the first after it that announces (Friday's is Sunday).
    cancelled = _cancelled(holidays)
    evening = deadline
    while not _announces(evening, cancelled):
        evening += dt.timedelta(days=1)
    return evening + dt.timedelta(days=1)


def id_month(arxiv_id: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the month an arXiv id's YYMM names; None if it is no id.

    ``2504.00043`` and ``hep-th/9901001`` name April 2025 and January 1999 (the old scheme
    ran from 1991 to March 2007, the new one from April 2007).
    """
    identifier = _identifier(arxiv_id)
    if identifier is None:
        return None
    digits = identifier.rpartition("/")[2][:4]
    yy, month = int(digits[:2]), int(digits[2:])
    if not 1 <= month <= 12:
        return None
    year = (1900 if "/" in identifier and yy >= 91 else 2000) + yy
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


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


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


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


# The id-order correction (``neighbour_days``): how many id-neighbours vote, how many of them
# must agree, and how far away in the month's numbering they may be. Taken as they are from the
# study recorded in bench/announcement_days.py, not tuned further.
NEIGHBOURS: Final = 4
AGREEING: Final = 3
REACH: Final = 300


class DayRow(NamedTuple):
    """A paper as the id-order correction sees it.

    ``day`` is its own day: the real listing day if known, else ``announcement_day`` of its
    first version. ``date_only``: that version's time was only a date (``date_only``).
    ``movable``: False for a paper whose day is not the schedule's (a listing day, a day on the
    community list): it votes as a neighbour but is never moved.
    """

    arxiv_id: str
    day: dt.date
    date_only: bool
    movable: bool = True


def neighbour_days(rows: Iterable[DayRow]) -> dict[str, dt.date]:
    """The papers whose day their arXiv id's neighbours correct, with the corrected day.

    arXiv numbers a month's papers in the order of their announcements, so one listing day's
    papers are a near-contiguous block of ids in the month (of the 74,728 papers of
    ../shared/data/arxiv-cs-daily-listings, the majority day of the 12 nearest listed ids is the
    paper's own for 99.3 %). So the days of a paper's id-neighbours say which announcement it
    was in, which its own record cannot when

    * its time is only a date (OAI-PMH's ``arXiv`` format, Hugging Face from April 2026): that
      date spans the cut-off, and the schedule guesses the side;
    * arXiv held it (moderation, a cross-list, a replaced file) past the announcement its time
      made: its id is then among the later day's papers.

    The vote: the ``NEIGHBOURS`` (4) nearest other ids of the same month within ``REACH`` (300)
    numbers; when ``AGREEING`` (3) of them have one day, a movable paper takes it if its own time
    is only a date, or if that day is later than its own. Never earlier for a paper with a time:
    arXiv announces no paper before its cut-off, so an earlier block means the neighbours are the
    ones held or misdated. Each vote uses the neighbours' own days, never corrected ones, so the
    result depends only on the rows, not on the order of passes.

    Limits: only new-scheme ids (``YYMM.NNNNN``, April 2007 on) take part; the old scheme
    numbered each archive apart and nothing was measured there. Where the catalogue holds few
    papers of a month (fewer than 4 within 300 numbers), nothing moves. The figures (0.914 → 0.927
    on the 4,288 papers of both shared data sets, with the split by month) are printed by
    bench/announcement_days.py; the parameters were chosen on those same papers.
    """
    months: dict[str, list[tuple[int, DayRow]]] = defaultdict(list)
    for row in rows:
        place = id_place(row.arxiv_id)
        if place is not None:
            months[place[0]].append((place[1], row))
    corrected: dict[str, dt.date] = {}
    for papers in months.values():
        papers.sort(key=lambda item: item[0])
        numbers = [number for number, _ in papers]
        for at, (number, row) in enumerate(papers):
            if not row.movable:
                continue
            vote = _majority(papers, numbers, at, number)
            if vote is not None and vote != row.day and (row.date_only or vote > row.day):
                corrected[row.arxiv_id] = vote
    return corrected


def date_only(moment: dt.datetime) -> bool:
    """Whether a source gave only the date: its readers store that as midnight UTC.

    A real submission at 00:00:00 UTC reads the same; one in 86,400, and the neighbours' day is
    then right as often as not.
    """
    utc = moment.astimezone(dt.UTC)
    return utc.timetz() == dt.time(tzinfo=dt.UTC)


def id_place(arxiv_id: str) -> tuple[str, int] | None:
    """``("YYMM", number)`` of a new-scheme id, the order ``neighbour_days`` reads; else None."""
    identifier = _identifier(arxiv_id)
    if identifier is None:
        return None
    month, dot, number = identifier.partition(".")
    if not dot or "/" in identifier:
        return None
    return month, int(number)


@lru_cache(maxsize=1 << 15)
def _identifier(arxiv_id: str) -> str | None:
    """``parse_arxiv_id(arxiv_id).id``, None if it is no id; remembered for the last 32,768 ids:
    ingest asks for each paper's month (its day, in merge) and place (the batch's re-dating,
    its own and its neighbours' votes), and parsing each time was several parses a record."""
    try:
        return parse_arxiv_id(arxiv_id).id
    except InvalidArxivId:
        return None


def _majority(
    papers: list[tuple[int, DayRow]], numbers: list[int], at: int, number: int
) -> dt.date | None:
    """The day ``AGREEING`` of the ``NEIGHBOURS`` nearest ids around ``at`` share, if any."""
    below, above = at - 1, at + 1
    days: list[dt.date] = []
    while len(days) < NEIGHBOURS:
        gap_below = number - numbers[below] if below >= 0 else REACH + 1
        gap_above = numbers[above] - number if above < len(numbers) else REACH + 1
        if min(gap_below, gap_above) > REACH:
            return None
        if gap_below <= gap_above:
            days.append(papers[below][1].day)
            below -= 1
        else:
            days.append(papers[above][1].day)
            above += 1
    day, count = Counter(days).most_common(1)[0]
    return day if count >= AGREEING else None
