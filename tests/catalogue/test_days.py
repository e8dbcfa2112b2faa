"""A paper's day is the date of the arXiv listing that first shows it, by arXiv's schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from paperwire.catalogue.days import (
    HOLIDAYS,
    DayRow,
    announcement_day,
    date_only,
    id_month,
    listing_days,
    neighbour_days,
)

ET = ZoneInfo("America/New_York")


def eastern(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ET)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("submitted", "listed"),
    [
        # Summer (EDT, UTC-4): the cut-off is 18:00 UTC.
        (eastern("2025-06-10", "13:59:59"), "2025-06-11"),  # Tue: Tue evening, Wed's list
        (eastern("2025-06-10", "14:00:00"), "2025-06-12"),  # on the cut-off: the next one
        # Winter (EST, UTC-5): the cut-off is 19:00 UTC.
        (eastern("2026-02-10", "13:59:59"), "2026-02-11"),
        (eastern("2026-02-10", "14:00:00"), "2026-02-12"),
    ],
)
def test_the_cut_off_is_14_00_us_eastern(submitted: dt.datetime, listed: str) -> None:
    assert announcement_day(submitted) == day(listed)
    assert announcement_day(submitted.astimezone(dt.UTC)) == day(listed)


def test_before_2017_the_cut_off_was_16_00() -> None:
    # 0704.0001, submitted Monday 2007-04-02 15:18 EDT, opened the list of Tuesday 3 April,
    # with papers submitted up to 15:41 that Monday (the Kaggle snapshot's first ids).
    assert announcement_day(eastern("2007-04-02", "15:18:42")) == day("2007-04-03")
    assert announcement_day(eastern("2016-06-08", "15:59")) == day("2016-06-09")
    assert announcement_day(eastern("2016-06-08", "16:00")) == day("2016-06-10")
    # The first 14:00 cut-off: Monday 2017-01-02.
    assert announcement_day(eastern("2017-01-02", "14:30")) == day("2017-01-04")


def test_the_cut_off_follows_daylight_saving_time_on_both_sides_of_the_change() -> None:
    # The same 18:30 UTC is 13:30 EST before the change of 2026-03-08 and 14:30 EDT after it.
    before = dt.datetime(2026, 3, 6, 18, 30, tzinfo=dt.UTC)  # Friday
    after = dt.datetime(2026, 3, 9, 18, 30, tzinfo=dt.UTC)  # Monday
    assert announcement_day(before) == day("2026-03-09")  # Sunday evening: Monday's list
    assert announcement_day(after) == day("2026-03-11")  # Tuesday evening: Wednesday's list
    # And back to EST on 2025-11-02: Monday 18:30 UTC is 13:30 EST, before the cut-off.
    assert announcement_day(dt.datetime(2025, 11, 3, 18, 30, tzinfo=dt.UTC)) == day("2025-11-04")


@pytest.mark.parametrize(
    ("submitted", "listed"),
    [
        (eastern("2025-06-12", "13:59"), "2025-06-13"),  # Thu before: Thu evening, Fri's list
        (eastern("2025-06-12", "14:00"), "2025-06-16"),  # Thu after: Sunday evening, Monday's
        (eastern("2025-06-13", "13:59"), "2025-06-16"),  # Fri before: Sunday evening too
        (eastern("2025-06-13", "14:00"), "2025-06-17"),  # Fri after: Monday evening, Tuesday's
        (eastern("2025-06-14", "09:00"), "2025-06-17"),  # Saturday
        (eastern("2025-06-15", "23:59"), "2025-06-17"),  # Sunday night
        (eastern("2025-06-16", "13:59"), "2025-06-17"),  # Monday before the cut-off
    ],
)
def test_weekends_have_no_cut_off_and_no_list(submitted: dt.datetime, listed: str) -> None:
    assert announcement_day(submitted) == day(listed)


def test_a_holiday_moves_its_papers_to_the_next_announcement() -> None:
    # Thanksgiving, Thursday 2025-11-27: no announcement that evening, so no Friday list.
    wednesday = eastern("2025-11-26", "15:00")
    assert announcement_day(wednesday, holidays=()) == day("2025-11-28")
    assert announcement_day(wednesday) == day("2025-12-01")


def test_a_holiday_on_a_day_without_an_announcement_cancels_the_next_one() -> None:
    # arXiv lists Friday 2026-06-19 (Juneteenth); the Sunday announcement after it is skipped,
    # as the real listings show for that weekend.
    assert dt.date(2026, 6, 19) in HOLIDAYS
    thursday = eastern("2026-06-18", "15:00")
    assert announcement_day(thursday, holidays=()) == day("2026-06-22")
    assert announcement_day(thursday) == day("2026-06-23")


def test_a_day_without_a_time_is_taken_as_before_that_days_cut_off() -> None:
    # Sources that know only the date give midnight UTC: the evening before in New York.
    assert announcement_day(dt.datetime(2025, 6, 10, tzinfo=dt.UTC)) == day("2025-06-11")
    assert announcement_day(dt.datetime(2025, 6, 13, tzinfo=dt.UTC)) == day("2025-06-16")
    # A Saturday or Sunday (UTC) date is all after Friday's cut-off: Monday evening's list.
    assert announcement_day(dt.datetime(2026, 5, 16, tzinfo=dt.UTC)) == day("2026-05-19")
    assert announcement_day(dt.datetime(2026, 5, 17, tzinfo=dt.UTC)) == day("2026-05-19")


@pytest.mark.parametrize(
    ("arxiv_id", "first", "last"),
    [
        ("2504.00043", "2025-04-01", "2025-04-30"),
        ("0704.0001", "2007-04-01", "2007-04-30"),
        ("2512.03052v2", "2025-12-01", "2025-12-31"),
        ("hep-th/9901001", "1999-01-01", "1999-01-31"),
        ("math.GT/0309136", "2003-09-01", "2003-09-30"),
        ("cs/0502001", "2005-02-01", "2005-02-28"),
    ],
)
def test_an_arxiv_id_names_a_month(arxiv_id: str, first: str, last: str) -> None:
    assert id_month(arxiv_id) == (day(first), day(last))


@pytest.mark.parametrize("text", ["", "abc", "2613.00001", "2600.00001", "24.1"])
def test_what_is_no_arxiv_id_names_no_month(text: str) -> None:
    assert id_month(text) is None


def test_a_paper_held_into_the_next_month_is_listed_in_the_month_of_its_id() -> None:
    # 2504.00072, submitted Monday 2025-03-31 13:41 EDT, was held: a March cut-off would have
    # given it 2503.*; it was in Wednesday 2 April's list (cut-off Tuesday 1 April).
    submitted = eastern("2025-03-31", "13:41:29")
    assert announcement_day(submitted) == day("2025-04-01")
    assert announcement_day(submitted, arxiv_id="2504.00072") == day("2025-04-02")
    # The first weekday of the month is the earliest cut-off: 1 February 2026 is a Sunday.
    friday = eastern("2026-01-30", "15:00")
    assert announcement_day(friday, arxiv_id="2602.00001") == day("2026-02-03")


def test_a_time_after_the_month_of_the_id_is_moved_back_into_it() -> None:
    # 2604.28123 was in Friday 1 May 2026's list; Hugging Face gives 2026-05-01, which is not
    # its first version's date. Its last possible cut-off is Thursday 30 April.
    date_only = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    assert announcement_day(date_only) == day("2026-05-04")
    assert announcement_day(date_only, arxiv_id="2604.28123") == day("2026-05-01")
    # 31 May 2026 is a Sunday, so a May id's last cut-off is Friday the 29th: Monday's list.
    assert announcement_day(eastern("2026-07-01", "09:00"), arxiv_id="2605.10001") == day(
        "2026-06-01"
    )


def test_an_id_that_agrees_with_the_time_changes_nothing() -> None:
    # Friday 2025-05-30 after the cut-off: Monday 2 June's cut-off, so a June id.
    submitted = eastern("2025-05-30", "15:00")
    assert announcement_day(submitted, arxiv_id="2506.00123") == announcement_day(submitted)
    # The cut-off is in the id's month even when its announcement (Sunday 1 June) is not.
    before = eastern("2025-05-30", "13:00")
    assert announcement_day(before, arxiv_id="2505.24123") == day("2025-06-02")
    assert announcement_day(before, arxiv_id="not an id") == day("2025-06-02")


def test_a_time_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="without a timezone"):
        announcement_day(dt.datetime(2025, 6, 10, 12, 0))


def test_listing_days_are_weekdays_after_an_announcement() -> None:
    week = listing_days(day("2025-11-23"), day("2025-11-30"))
    assert week == [day(d) for d in ("2025-11-24", "2025-11-25", "2025-11-26", "2025-11-27")]
    assert day("2025-11-28") in listing_days(day("2025-11-28"), day("2025-11-28"), holidays=())


def test_every_submission_lands_on_a_listing_day_within_a_week() -> None:
    start = dt.datetime(2025, 12, 20, tzinfo=dt.UTC)  # across Christmas and New Year
    listed = set(listing_days(day("2025-12-20"), day("2026-01-20")))
    for hour in range(24 * 21):
        submitted = start + dt.timedelta(hours=hour, minutes=17)
        result = announcement_day(submitted)
        assert result in listed, submitted
        assert dt.timedelta(0) < result - submitted.astimezone(ET).date() <= dt.timedelta(days=7)


# The id-order correction: arXiv numbers a month's papers in announcement order, so one
# listing day's papers form a block of ids.
WED, THU, FRI = day("2025-06-11"), day("2025-06-12"), day("2025-06-13")


def block(first: int, listed: dt.date, count: int = 4, step: int = 10) -> list[DayRow]:
    """``count`` timed papers from id 2506.<first> on, ``step`` apart, on ``listed``."""
    return [DayRow(f"2506.{first + n * step:05d}", listed, date_only=False) for n in range(count)]


def test_a_date_only_paper_inside_a_block_of_another_day_takes_that_day() -> None:
    # Its bare date put it on Wednesday; its id sits among Thursday's papers.
    rows = [*block(100, THU, 2), DayRow("2506.00125", WED, date_only=True), *block(130, THU, 2)]
    assert neighbour_days(rows) == {"2506.00125": THU}


def test_a_date_only_paper_also_moves_earlier() -> None:
    # A bare date says nothing about which side of the cut-off it was: either way is possible.
    rows = [*block(100, WED, 2), DayRow("2506.00125", THU, date_only=True), *block(130, WED, 2)]
    assert neighbour_days(rows) == {"2506.00125": WED}


def test_a_timed_paper_among_a_later_days_papers_was_held_and_moves_later() -> None:
    rows = [*block(100, FRI, 2), DayRow("2506.00125", WED, date_only=False), *block(130, FRI, 2)]
    assert neighbour_days(rows) == {"2506.00125": FRI}


def test_a_timed_paper_is_never_moved_earlier() -> None:
    # arXiv announces nothing before its cut-off: earlier neighbours are the ones misdated.
    rows = [*block(100, WED, 2), DayRow("2506.00125", FRI, date_only=False), *block(130, WED, 2)]
    assert neighbour_days(rows) == {}


def test_a_paper_that_is_not_movable_only_votes() -> None:
    rows = [
        *block(100, THU, 2),
        DayRow("2506.00125", WED, True, movable=False),
        *block(130, THU, 2),
    ]
    assert neighbour_days(rows) == {}


def test_three_of_the_four_nearest_must_agree() -> None:
    split = [*block(100, THU, 2), *block(130, FRI, 2)]
    assert neighbour_days([*split, DayRow("2506.00125", WED, date_only=True)]) == {}
    three = [*block(100, THU, 3), *block(140, FRI, 1)]  # 100, 110, 120 | 140
    assert neighbour_days([*three, DayRow("2506.00125", WED, date_only=True)]) == {
        "2506.00125": THU
    }


def test_only_the_four_nearest_ids_vote() -> None:
    # Four Friday papers right around it outvote six Thursday papers farther off.
    rows = [
        *block(10, THU, 3),
        *block(120, FRI, 2, step=2),
        DayRow("2506.00125", WED, date_only=True),
        *block(126, FRI, 2, step=2),
        *block(200, THU, 3),
    ]
    assert neighbour_days(rows) == {"2506.00125": FRI}


def test_neighbours_more_than_300_numbers_away_or_in_another_month_do_not_vote() -> None:
    near_and_far = [*block(100, THU, 3), DayRow("2506.00500", THU, False)]  # 500: 375 away
    assert neighbour_days([*near_and_far, DayRow("2506.00125", WED, date_only=True)]) == {}
    other_month = [DayRow(f"2505.{n:05d}", THU, False) for n in (110, 120, 130, 140)]
    assert neighbour_days([*other_month, DayRow("2506.00125", WED, date_only=True)]) == {}


def test_votes_use_the_neighbours_own_days_not_corrected_ones() -> None:
    # 121 moves to Thursday. 145's four nearest are 135, 130 (Thu), 165 (Fri) and 121: with
    # 121's own Wednesday there is no majority; with its corrected Thursday there would be,
    # and the result would hang on which paper was looked at first.
    rows = [
        DayRow("2506.00110", THU, False),
        DayRow("2506.00121", WED, date_only=True),
        DayRow("2506.00130", THU, False),
        DayRow("2506.00135", THU, False),
        DayRow("2506.00145", WED, date_only=True),
        DayRow("2506.00165", FRI, False),
    ]
    assert neighbour_days(rows) == {"2506.00121": THU}
    assert neighbour_days(reversed(rows)) == {"2506.00121": THU}


def test_old_scheme_ids_and_non_ids_are_left_alone() -> None:
    old = [DayRow(f"hep-th/9901{n:03d}", THU, False) for n in (1, 2, 4, 5)]
    rows = [*old, DayRow("hep-th/9901003", WED, date_only=True), DayRow("junk", WED, True)]
    assert neighbour_days(rows) == {}


def test_a_date_only_time_is_midnight_utc() -> None:
    assert date_only(dt.datetime(2026, 4, 7, tzinfo=dt.UTC))
    assert not date_only(dt.datetime(2026, 4, 7, 0, 0, 1, tzinfo=dt.UTC))
    assert not date_only(eastern("2026-04-07", "00:00:00"))
