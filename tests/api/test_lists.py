"""/api/daily and /api/trending: the site's lists as JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 3, 10)


def test_daily_defaults_to_the_newest_day(client: Client, make_paper):
    make_paper(arxiv_id="2503.00001", announced_on=DAY - dt.timedelta(days=1))
    make_paper(arxiv_id="2503.00002", announced_on=DAY, upvotes=1)
    make_paper(arxiv_id="2503.00003", announced_on=DAY, upvotes=9)
    body = client.get("/api/daily").json()
    assert body["date"] == "2025-03-10"
    assert [p["id"] for p in body["papers"]] == ["2503.00003", "2503.00002"]  # most upvoted first
    assert body["has_more"] is False


def test_daily_of_a_given_date_with_paging(client: Client, make_paper):
    for n in range(5):
        make_paper(arxiv_id=f"2503.0000{n}", announced_on=DAY, upvotes=n)
    make_paper(arxiv_id="2503.00009", daily_date=DAY, announced_on=DAY - dt.timedelta(days=3))
    body = client.get("/api/daily", {"date": "2025-03-10", "limit": "4"}).json()
    assert len(body["papers"]) == 4
    assert body["has_more"] is True
    rest = client.get("/api/daily", {"date": "2025-03-10", "limit": "4", "offset": "4"}).json()
    assert len(rest["papers"]) == 2
    assert rest["has_more"] is False
    assert "2503.00009" in [p["id"] for p in body["papers"] + rest["papers"]]  # submitted that day


def test_daily_of_an_empty_day_or_catalogue_is_an_empty_list(client: Client, make_paper):
    assert client.get("/api/daily").json() == {
        "date": None,
        "limit": 20,
        "offset": 0,
        "has_more": False,
        "papers": [],
    }
    make_paper(announced_on=DAY)
    assert client.get("/api/daily", {"date": "1999-01-01"}).json()["papers"] == []


@pytest.mark.parametrize(
    "date", ["2025-02-30", "2025-3-1", "yesterday", "", "2025-03-10'--", "9" * 500, "\x00"]
)
def test_a_bad_date_is_a_400(client: Client, date):
    response = client.get("/api/daily", {"date": date})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("date:")


def test_trending_gives_score_age_and_points(client: Client, make_paper):
    make_paper(arxiv_id="2503.00001", announced_on=DAY, upvotes=4)
    make_paper(arxiv_id="2503.00002", announced_on=DAY - dt.timedelta(days=2), upvotes=16)
    make_paper(arxiv_id="2503.00003", announced_on=DAY - dt.timedelta(days=30), upvotes=999)
    body = client.get("/api/trending").json()
    assert body["window_days"] == 14
    papers = body["papers"]
    assert [p["id"] for p in papers] == ["2503.00002", "2503.00001"]  # 16/4^1.5=2 > 4/2^1.5
    assert papers[0]["points"] == 16
    assert papers[0]["age_days"] == 2
    assert papers[0]["score"] == pytest.approx(2.0)
    assert papers[1]["age_days"] == 0
    assert "= 2.00" in papers[0]["reason"]


def test_trending_pages(client: Client, make_paper):
    for n in range(3):
        make_paper(arxiv_id=f"2503.0000{n}", announced_on=DAY, upvotes=n + 1)
    first = client.get("/api/trending", {"limit": "2"}).json()
    second = client.get("/api/trending", {"limit": "2", "offset": "2"}).json()
    assert first["has_more"] is True
    assert [p["id"] for p in first["papers"] + second["papers"]] == [
        "2503.00002",
        "2503.00001",
        "2503.00000",
    ]
    assert client.get("/api/trending", {"offset": "100000"}).json()["papers"] == []


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "1000"}, {"offset": "-1"}, {"offset": "1" * 40}]
)
def test_trending_checks_its_parameters(client: Client, params):
    response = client.get("/api/trending", params)
    assert response.status_code == 400
    assert next(iter(params)) in response.json()["detail"]
