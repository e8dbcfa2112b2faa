"""Periods: one type for the site's lists, the API and the digests — their labels, their one
spelling in addresses, and parsing that takes only that spelling's digits."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.catalogue.periods import (
    BadPeriod,
    containing,
    day,
    last_complete,
    month_of,
    named_or_latest,
    parse,
    parse_day,
    parse_month,
    parse_week,
    week_of,
)

WEDNESDAY = dt.date(2025, 3, 12)


def test_a_week_runs_monday_to_sunday_and_a_month_first_to_last() -> None:
    assert week_of(WEDNESDAY) == containing("week", WEDNESDAY)
    assert (week_of(WEDNESDAY).first, week_of(WEDNESDAY).last) == (
        dt.date(2025, 3, 10),
        dt.date(2025, 3, 16),
    )
    assert (month_of(WEDNESDAY).first, month_of(WEDNESDAY).last) == (
        dt.date(2025, 3, 1),
        dt.date(2025, 3, 31),
    )
    assert month_of(dt.date(2024, 2, 10)).last == dt.date(2024, 2, 29)


def test_the_digests_frequencies_name_the_same_periods() -> None:
    assert containing("daily", WEDNESDAY) == day(WEDNESDAY)
    assert containing("weekly", WEDNESDAY) == week_of(WEDNESDAY)
    assert week_of(WEDNESDAY).frequency == "weekly"
    assert last_complete("daily", WEDNESDAY) == day(dt.date(2025, 3, 11))
    assert last_complete("weekly", WEDNESDAY) == week_of(dt.date(2025, 3, 5))
    assert last_complete("month", WEDNESDAY) == month_of(dt.date(2025, 2, 1))


def test_one_label_per_period() -> None:
    assert day(WEDNESDAY).label == "Wednesday, 12 March 2025"
    assert week_of(WEDNESDAY).label == "week 11 of 2025 (10 Mar – 16 Mar 2025)"
    assert month_of(WEDNESDAY).label == "March 2025"


@pytest.mark.parametrize(
    ("period", "slug", "path"),
    [
        (day(dt.date(1991, 8, 14)), "1991-08-14", "/date/1991-08-14"),
        (week_of(dt.date(1991, 12, 31)), "1992-W01", "/week/1992-W01"),
        (month_of(dt.date(2100, 12, 1)), "2100-12", "/month/2100-12"),
        (week_of(WEDNESDAY), "2025-W11", "/week/2025-W11"),
    ],
)
def test_each_period_has_one_spelling(period, slug: str, path: str) -> None:
    assert period.slug == slug
    assert period.path == path
    assert parse(period.kind, slug) == period


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (parse_day, "٢٠٢٥-٠٣-١٢"),  # Arabic-Indic digits
        (parse_day, "２０２５-０３-１２"),  # full-width digits
        (parse_day, "2025-03-12 "),
        (parse_day, " 2025-03-12"),
        (parse_week, "２０２５-W11"),
        (parse_week, "2025-W11\n"),
        (parse_month, "2025-0٣"),
        (parse_month, "2025-03 "),
        (parse_day, "0000-01-01"),
        (parse_week, "2025-W54"),
        # Years no catalogue can hold: arXiv began in 1991.
        (parse_day, "1990-12-31"),
        (parse_week, "0001-W01"),
        (parse_week, "2101-W01"),
        (parse_month, "9999-12"),
    ],
)
def test_only_ascii_digits_and_no_spaces_name_a_period(parser, text: str) -> None:
    with pytest.raises(BadPeriod):
        parser(text)


def test_the_calendars_edges_have_no_neighbour() -> None:
    assert month_of(dt.date(9999, 12, 1)).next() is None
    assert day(dt.date(1, 1, 1)).previous() is None
    assert week_of(dt.date(9999, 12, 31)).last == dt.date.max


@pytest.mark.django_db
def test_a_named_period_wins_and_an_empty_one_is_a_bad_value_not_an_absent_one():
    assert named_or_latest({"week": "2026-W48"}) == parse("week", "2026-W48")
    with pytest.raises(BadPeriod, match=r"^date: "):
        named_or_latest({"date": ""})
    with pytest.raises(BadPeriod, match="only one"):
        named_or_latest({"date": "2026-11-30", "month": "2026-11"})
    assert named_or_latest({}) is None  # no papers: no newest day
