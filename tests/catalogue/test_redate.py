"""Stored papers re-dated by their arXiv id's neighbours: only days that are the schedule's move.

These run on SQLite and, under `make test-postgres`, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from paperwire.catalogue.days import announcement_day
from paperwire.catalogue.models import Paper
from paperwire.catalogue.redate import redate_around, redate_batch, redate_months
from tests.factories import paper

pytestmark = pytest.mark.django_db

WED, THU, FRI = dt.date(2025, 6, 11), dt.date(2025, 6, 12), dt.date(2025, 6, 13)
# Midnight UTC of Tuesday 10 June: a source that gave only the date. By the schedule (before
# Tuesday's cut-off) Wednesday's list.
TUESDAY_DATE_ONLY = dt.datetime(2025, 6, 10, tzinfo=dt.UTC)
# Tuesday 10:00 EDT, before the cut-off: Wednesday's list.
TUESDAY_MORNING = dt.datetime(2025, 6, 10, 14, tzinfo=dt.UTC)
# Wednesday 15:00 EDT, after the cut-off: Friday's list.
WEDNESDAY_AFTERNOON = dt.datetime(2025, 6, 11, 19, tzinfo=dt.UTC)
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def listed(number: int, day: dt.date) -> Paper:
    """A paper from a listing source: its day is real."""
    return paper(f"2506.{number:05d}", day=day, listing_date=day, published=None)


def scheduled(number: int, published: dt.datetime, **fields: Any) -> Paper:
    """A paper without a listing day, dated by the schedule as ingest dates it."""
    arxiv_id = f"2506.{number:05d}"
    day = announcement_day(published, arxiv_id=arxiv_id)
    made = paper(arxiv_id, day=day, published=published, **fields)
    Paper.objects.filter(pk=made.pk).update(modified_at=LONG_AGO)
    return made


def block(day: dt.date, *numbers: int) -> None:
    for number in numbers:
        listed(number, day)


def day_of(made: Paper) -> dt.date | None:
    return Paper.objects.get(pk=made.pk).announced_on


def test_a_date_only_paper_in_the_middle_of_another_days_block_takes_that_day() -> None:
    block(THU, 100, 110, 130, 140)
    target = scheduled(120, TUESDAY_DATE_ONLY)
    assert day_of(target) == WED
    assert redate_months(["2506"]) == 1
    assert day_of(target) == THU


def test_a_timed_paper_whose_neighbours_are_later_was_held_and_moves_later() -> None:
    block(FRI, 100, 110, 130, 140)
    target = scheduled(120, TUESDAY_MORNING)
    redate_months(["2506"])
    assert day_of(target) == FRI


def test_a_timed_paper_whose_neighbours_are_earlier_never_moves_earlier() -> None:
    block(THU, 100, 110, 130, 140)
    target = scheduled(120, WEDNESDAY_AFTERNOON)
    assert redate_months(["2506"]) == 0
    assert day_of(target) == FRI


def test_a_paper_with_a_listing_day_is_never_moved() -> None:
    block(FRI, 100, 110, 130, 140)
    target = paper("2506.00120", day=WED, listing_date=WED, published=TUESDAY_DATE_ONLY)
    redate_months(["2506"])
    assert day_of(target) == WED


def test_a_paper_on_the_community_list_is_never_moved() -> None:
    block(THU, 100, 110, 130, 140)
    on_the_list = scheduled(120, TUESDAY_DATE_ONLY, daily_date=WED)
    assert redate_months(["2506"]) == 0
    assert day_of(on_the_list) == WED


def test_a_paper_on_the_community_list_votes_with_its_schedule_day() -> None:
    block(THU, 100, 130)
    wednesday_morning = dt.datetime(2025, 6, 11, 14, tzinfo=dt.UTC)  # Thursday's list
    scheduled(120, wednesday_morning, daily_date=THU)
    scheduled(125, wednesday_morning, daily_date=FRI)
    target = scheduled(127, TUESDAY_DATE_ONLY)
    # Without their votes 127 would have three neighbours: too few to move it.
    redate_months(["2506"])
    assert day_of(target) == THU


def test_a_moved_paper_gets_a_new_modified_at_and_the_others_keep_theirs() -> None:
    block(THU, 100, 110, 130, 140)
    target = scheduled(120, TUESDAY_DATE_ONLY)
    untouched = scheduled(900, TUESDAY_MORNING)
    before = timezone.now()
    redate_months(["2506"])
    assert Paper.objects.get(pk=target.pk).modified_at >= before
    assert Paper.objects.get(pk=untouched.pk).modified_at == LONG_AGO


def test_the_pass_is_idempotent_and_follows_the_neighbours_back() -> None:
    block(THU, 100, 110, 130, 140)
    target = scheduled(120, TUESDAY_DATE_ONLY)
    assert redate_months(["2506"]) == 1
    assert redate_months(["2506"]) == 0
    # The block turns out to be two days: the vote is gone, and the schedule's day is back.
    Paper.objects.filter(arxiv_id__in=["2506.00130", "2506.00140"]).update(
        listing_date=FRI, announced_on=FRI
    )
    assert redate_months(["2506"]) == 1
    assert day_of(target) == WED


def test_around_new_ids_re_dates_what_the_whole_month_would() -> None:
    block(THU, 100, 110, 130, 140)
    near = scheduled(120, TUESDAY_DATE_ONLY)
    block(FRI, 5000, 5010, 5030, 5040)
    far = scheduled(5020, TUESDAY_MORNING)
    assert redate_around(["2506.00140"]) == 1  # only 120 is within reach of 140
    assert (day_of(near), day_of(far)) == (THU, WED)
    assert redate_months(["2506"]) == 1
    assert day_of(far) == FRI


def test_other_months_and_old_scheme_ids_are_left_alone() -> None:
    block(THU, 100, 110, 130, 140)
    target = scheduled(120, TUESDAY_DATE_ONLY)
    assert redate_months(["2505"]) == 0
    assert redate_around(["hep-th/9901001", "not an id"]) == 0
    assert day_of(target) == WED


def unsaved(number: int, published: dt.datetime | None, **fields: Any) -> Paper:
    """A batch paper as merge leaves it, not written: its day is its listing day or the
    schedule's."""
    arxiv_id = f"2506.{number:05d}"
    listing_date = fields.get("listing_date")
    day = listing_date or (announcement_day(published, arxiv_id=arxiv_id) if published else None)
    return Paper(arxiv_id=arxiv_id, title="T", published=published, announced_on=day, **fields)


def test_a_batch_is_re_dated_as_the_pass_would_once_it_is_written() -> None:
    block(THU, 100, 110, 130, 140)
    far = scheduled(5020, TUESDAY_MORNING)
    # Stored on the community list (never moved); the batch's copy of it no longer is.
    scheduled(127, TUESDAY_DATE_ONLY, daily_date=WED)
    new = unsaved(120, TUESDAY_DATE_ONLY)
    changed = unsaved(127, TUESDAY_DATE_ONLY)
    listed_new = [unsaved(n, None, listing_date=FRI) for n in (5000, 5010, 5030, 5040)]

    assert redate_batch([new, changed, *listed_new]) == 3
    # The batch's papers are moved where they are, before anything of them is written ...
    assert (new.announced_on, changed.announced_on) == (THU, THU)
    assert not Paper.objects.filter(arxiv_id="2506.00120").exists()
    assert Paper.objects.get(arxiv_id="2506.00127").announced_on == WED
    # ... and a stored paper whose neighbours they are, in the catalogue.
    assert day_of(far) == FRI
    # Written, they are what the pass over the stored rows leaves as they are.
    Paper.objects.bulk_create([new, *listed_new])
    Paper.objects.filter(arxiv_id="2506.00127").update(daily_date=None, announced_on=THU)
    assert redate_around(["2506.00120", "2506.00127", "2506.05000"]) == 0
    assert redate_months(["2506"]) == 0


def test_a_batch_paper_outside_the_new_scheme_is_left_as_it_is() -> None:
    old = Paper(arxiv_id="hep-th/9901001", title="T", published=TUESDAY_DATE_ONLY, announced_on=WED)
    assert redate_batch([old]) == 0
    assert old.announced_on == WED


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    """Migrations run for real; the schema is brought back to the latest afterwards."""
    executor = MigrationExecutor(connection)
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_re_dates_papers_already_imported(executor: MigrationExecutor) -> None:
    before = ("catalogue", "0004_announcement_days")
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("catalogue", "Paper")
    for number in (100, 110, 130, 140):
        old.objects.create(
            arxiv_id=f"2506.{number:05d}", title="T", listing_date=THU, announced_on=THU
        )
    old.objects.create(
        arxiv_id="2506.00120", title="T", published=TUESDAY_DATE_ONLY, announced_on=WED
    )
    old.objects.create(arxiv_id="hep-th/9901001", title="T", published=LONG_AGO)
    old.objects.update(modified_at=LONG_AGO)

    executor = MigrationExecutor(connection)
    executor.migrate([("catalogue", "0005_neighbour_days")])

    moved = Paper.objects.get(arxiv_id="2506.00120")
    assert (moved.announced_on, moved.modified_at > LONG_AGO) == (THU, True)
    assert not Paper.objects.exclude(arxiv_id="2506.00120").filter(modified_at__gt=LONG_AGO)


@pytest.mark.django_db
def test_the_migration_finds_the_months_of_every_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("paperwire.catalogue.migrations.0005_neighbour_days")
    monkeypatch.setattr(module, "BATCH", 2)
    block(THU, 100, 110, 130, 140)
    target = scheduled(120, TUESDAY_DATE_ONLY)
    paper("2505.00001", published=LONG_AGO)
    schema_editor = SimpleNamespace(connection=connection)
    module.backfill(current_apps, schema_editor)
    assert day_of(target) == THU
