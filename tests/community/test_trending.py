"""Trending: points / (age + 2) ** 1.5 over the last two weeks, computed by the database."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from pathlib import Path

import pytest
from django.test import Client

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import latest_day
from paperwire.community import trending
from paperwire.ingest.run import Ingester
from paperwire.sources.hf_daily import HfDailyStream
from tests.conftest import shared
from tests.factories import paper

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 10)


def ranked_ids() -> list[str]:
    return [p.arxiv_id for p in trending.trending(TODAY)]


def test_a_newer_paper_needs_fewer_votes():
    old = paper(announced_on=TODAY - dt.timedelta(days=7), upvotes=40)  # 40 / 9^1.5 = 1.48
    new = paper(announced_on=TODAY, upvotes=5)  # 5 / 2^1.5 = 1.77
    assert ranked_ids() == [new.arxiv_id, old.arxiv_id]
    old.upvotes = 50  # 50 / 27 = 1.85
    old.save()
    assert ranked_ids() == [old.arxiv_id, new.arxiv_id]


def test_the_score_is_the_documented_formula():
    paper(announced_on=TODAY - dt.timedelta(days=3), upvotes=12, vote_weight=2.5)
    found = trending.trending(TODAY).get()
    assert found.trending_age == 3  # type: ignore[attr-defined]
    assert found.trending_score == pytest.approx(14.5 / (3 + 2) ** 1.5)  # type: ignore[attr-defined]
    why = str(trending.reason(found))
    assert why == "14.5 votes, 3 days old: 14.5 / (3 + 2)^1.5 = 1.30"


def test_only_the_window_counts():
    inside = paper(announced_on=TODAY - dt.timedelta(days=trending.WINDOW_DAYS - 1), upvotes=1)
    paper(announced_on=TODAY - dt.timedelta(days=trending.WINDOW_DAYS), upvotes=1000)
    paper(announced_on=TODAY + dt.timedelta(days=1), upvotes=1000)
    assert ranked_ids() == [inside.arxiv_id]


def test_the_anchor_is_the_newest_day_not_after_today():
    paper(announced_on=dt.date(2025, 1, 2))
    paper(announced_on=dt.date(2025, 1, 6))
    assert latest_day(today=dt.date(2025, 1, 5)) == dt.date(2025, 1, 2)
    assert latest_day(today=dt.date(2026, 1, 1)) == dt.date(2025, 1, 6)


def test_a_new_accounts_vote_counts_a_quarter():
    now = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
    assert trending.vote_weight(now - dt.timedelta(hours=3), now) == 0.25
    assert trending.vote_weight(now - dt.timedelta(days=2), now) == 1.0


def test_the_page_says_why_each_paper_is_there(client: Client):
    paper(title="Rising", announced_on=dt.date(2025, 1, 14), upvotes=9)
    page = client.get("/trending").content.decode()
    assert "Rising" in page
    assert "9 votes, from the newest day: 9 / (0 + 2)^1.5 = 3.18" in page


def _import_real_days(tmp_path: Path, days: list[str]) -> dict[str, list[tuple[str, int]]]:
    """Import the real Hugging Face files of these days; return each day's (id, upvotes)."""
    folder = tmp_path / "daily"
    folder.mkdir()
    expected: dict[str, list[tuple[str, int]]] = {}
    for day in days:
        source = shared(f"hf-daily-papers/daily/{day}.json.gz")
        (folder / source.name).write_bytes(source.read_bytes())
        with gzip.open(source) as raw:
            items = json.load(raw)
        expected[day] = [(i["paper"]["id"], int(i["paper"]["upvotes"])) for i in items]
    Ingester(progress=False, out=io.StringIO()).run(HfDailyStream(folder))
    return expected


def test_real_days_rank_by_their_real_upvotes(tmp_path: Path, client: Client):
    days = ["2026-08-19", "2026-08-20", "2026-08-21"]
    expected = _import_real_days(tmp_path, days)
    for day in days:
        page = client.get(f"/date/{day}").content.decode()
        votes = dict(expected[day])
        listed = [i for i in votes if f'href="/papers/{i}"' in page]
        assert len(listed) == len(votes)
        shown = sorted(listed, key=lambda i: page.index(f'href="/papers/{i}"'))
        counts = [votes[i] for i in shown]
        assert counts == sorted(counts, reverse=True), day


def test_real_trending_follows_the_formula_across_days(tmp_path: Path):
    days = ["2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"]
    expected = _import_real_days(tmp_path, days)
    anchor = dt.date(2026, 8, 21)
    scores = {}
    for day, items in expected.items():
        age = (anchor - dt.date.fromisoformat(day)).days
        for arxiv_id, votes in items:
            scores[arxiv_id] = votes / (age + 2) ** 1.5
    ranked = [p.arxiv_id for p in trending.trending(anchor)]
    assert set(ranked) == set(scores)
    got = [round(scores[i], 9) for i in ranked]
    assert got == sorted(got, reverse=True)
    # The real data has a paper from an earlier day above some of the newest day's papers.
    newest = {i for i, _ in expected["2026-08-21"]}
    top = ranked[:10]
    assert any(i not in newest for i in top)
    assert any(i in newest for i in top)
    assert Paper.objects.filter(daily_date=anchor).count() == len(newest)
