"""Catalogue counts: in all, by category (cross-lists included), by primary category, by day."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.catalogue.models import Paper
from paperwire.catalogue.stats import catalogue_stats

pytestmark = pytest.mark.django_db


def make(arxiv_id: str, categories: list[str], day: dt.date, **extra: object) -> Paper:
    return Paper.objects.create(
        arxiv_id=arxiv_id,
        title=f"Paper {arxiv_id}",
        categories=categories,
        primary_category=categories[0],
        announced_on=day,
        sources=["listing"],
        **extra,
    )


def test_it_counts_papers_by_category_primary_category_and_day():
    d1, d2 = dt.date(2025, 1, 6), dt.date(2025, 1, 7)
    make("2501.00001", ["cs.LG", "stat.ML"], d1)
    make("2501.00002", ["cs.CL", "cs.LG"], d1, upvotes=4, daily_date=d1)
    make("2501.00003", ["cs.CL"], d2, hidden=True)
    stats = catalogue_stats()
    assert stats["papers"] == 3
    assert stats["hidden"] == 1
    assert stats["upvoted"] == 1
    assert stats["on_daily_lists"] == 1
    assert stats["by_category"] == {"cs.CL": 2, "cs.LG": 2, "stat.ML": 1}
    assert stats["by_primary_category"] == {"cs.CL": 2, "cs.LG": 1}
    assert stats["by_day"] == {"2025-01-07": 1, "2025-01-06": 2}
    assert stats["by_source"] == {"listing": 3}
    assert (stats["first_day"], stats["last_day"]) == ("2025-01-06", "2025-01-07")


def test_an_empty_catalogue_has_zero_papers():
    stats = catalogue_stats()
    assert stats["papers"] == 0
    assert stats["by_category"] == {}
    assert stats["first_day"] is None
