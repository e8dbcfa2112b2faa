"""catalogue 0004: papers already imported get their day by arXiv's schedule."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from paperwire.catalogue.models import Paper
from tests.factories import paper

BEFORE = ("catalogue", "0003_match_keys")
AFTER = ("catalogue", "0004_announcement_days")
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
# Monday 2025-06-09 15:00 EDT: after that day's cut-off, so Tuesday evening, Wednesday's list.
MONDAY_AFTERNOON = dt.datetime(2025, 6, 9, 19, 0, tzinfo=dt.UTC)


def migration() -> ModuleType:
    return importlib.import_module("paperwire.catalogue.migrations.0004_announcement_days")


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
def test_the_migration_gives_papers_without_a_listing_day_the_schedules_day(
    executor: MigrationExecutor,
) -> None:
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("catalogue", "Paper")

    def make(arxiv_id: str, **fields: Any) -> None:
        old.objects.create(arxiv_id=arxiv_id, title=arxiv_id, **fields)

    # Dated by its time's date before: now the listing that time makes.
    make("2506.07001", published=MONDAY_AFTERNOON, announced_on=dt.date(2025, 6, 9))
    # Held into April (its id says so): the first April cut-off, Wednesday 2 April's list.
    make(
        "2504.00072",
        published=dt.datetime(2025, 3, 31, 17, 41, 29, tzinfo=dt.UTC),
        announced_on=dt.date(2025, 3, 31),
    )
    # A listing day is the paper's day, whatever its time says.
    make("2506.07002", published=MONDAY_AFTERNOON, listing_date=dt.date(2025, 6, 13),
         announced_on=dt.date(2025, 6, 13))  # fmt: skip
    # No time: nothing to go by.
    make("2506.07003", announced_on=None)
    # Already on the schedule's day: left alone, so not re-indexed.
    make("2506.07004", published=MONDAY_AFTERNOON, announced_on=dt.date(2025, 6, 11))
    old.objects.update(modified_at=LONG_AGO)

    executor = MigrationExecutor(connection)
    executor.migrate([AFTER])

    rows = {p.arxiv_id: p for p in Paper.objects.all()}
    assert {i: p.announced_on for i, p in rows.items()} == {
        "2506.07001": dt.date(2025, 6, 11),
        "2504.00072": dt.date(2025, 4, 2),
        "2506.07002": dt.date(2025, 6, 13),
        "2506.07003": None,
        "2506.07004": dt.date(2025, 6, 11),
    }
    moved = {i for i, p in rows.items() if p.modified_at > LONG_AGO}
    assert moved == {"2506.07001", "2504.00072"}


@pytest.mark.django_db
def test_the_backfill_goes_through_every_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    module = migration()
    monkeypatch.setattr(module, "BATCH", 2)
    for n in range(5):
        paper(f"2506.0710{n}", published=MONDAY_AFTERNOON, day=dt.date(2025, 6, 9))
    Paper.objects.update(modified_at=LONG_AGO)

    module.backfill(current_apps, SimpleNamespace(connection=connection))

    assert set(Paper.objects.values_list("announced_on", flat=True)) == {dt.date(2025, 6, 11)}
    assert not Paper.objects.filter(modified_at__lte=LONG_AGO).exists()
