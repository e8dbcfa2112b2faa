"""A day's list is one query (``trending.day_list``): the site's page, the API, the
Hugging Face-shaped API, the daily feed and a digest's trending part list the same papers in
the same order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from paperwire.catalogue.periods import day
from paperwire.community import trending
from paperwire.digests.compose import PeriodPapers
from tests.factories import paper

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 3, 12)


@pytest.fixture
def listed() -> list[str]:
    for n, votes in enumerate([3, 40, 0, 7, 7, 1]):
        paper(f"2503.{n + 1:05d}", f"Paper {n}", day=DAY, upvotes=votes)
    paper("2503.00099", "Submitted here from an earlier day", day=DAY - dt.timedelta(days=2),
          daily_date=DAY, upvotes=5)  # fmt: skip
    paper("2503.00098", "The day before", day=DAY - dt.timedelta(days=1), upvotes=99)
    paper("2503.00097", "Hidden", day=DAY, upvotes=500, hidden=True)
    return [p.arxiv_id for p in trending.day_list(day(DAY))]


def test_the_list_is_the_days_visible_papers_most_points_first(listed: list[str]) -> None:
    assert listed == [
        "2503.00002", "2503.00005", "2503.00004", "2503.00099", "2503.00001", "2503.00006",
        "2503.00003",
    ]  # fmt: skip


def test_every_caller_shows_that_list(client: Client, listed: list[str]) -> None:
    page = client.get(f"/date/{DAY}").content.decode()
    assert _ids(page, r'href="/papers/([0-9.]+)"') == listed

    api = client.get("/api/daily", {"date": str(DAY), "limit": "100"}).json()
    assert [p["id"] for p in api["papers"]] == listed

    hf = client.get("/api/daily_papers", {"date": str(DAY), "sort": "trending"}).json()
    assert [item["paper"]["id"] for item in hf] == listed

    feed = client.get("/feeds/daily.rss").content.decode()  # DAY is the newest day
    assert _ids(feed, r"<guid[^>]*>https://arxiv.org/abs/([0-9.]+)</guid>") == listed

    digest = PeriodPapers.load(day(DAY))
    with_votes = [p for p in listed if p != "2503.00003"]  # trending needs a vote
    assert len(digest.candidates) == len(listed)
    assert [_arxiv_id(pk) for pk in digest.trending] == with_votes


def _ids(text: str, pattern: str) -> list[str]:
    seen: list[str] = []
    for found in re.findall(pattern, text):
        if found not in seen:
            seen.append(found)
    return seen


def _arxiv_id(pk: int) -> str:
    from paperwire.catalogue.models import Paper

    return Paper.objects.get(pk=pk).arxiv_id
