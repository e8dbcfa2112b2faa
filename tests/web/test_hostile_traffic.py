"""Hostile requests are answered cheaply and correctly: far-off or impossible periods, query
strings made up to dodge the page cache, control characters aimed at the feeds, a bad Host."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as ET
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import paper

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/week/9999-W52",
        "/week/9999-W01?a=1",
        "/month/9999-12",
        "/month/9999-01?a=1",
        "/date/9999-12-31",
        "/date/0001-01-01",
        "/week/0001-W01",
        "/month/1990-12",
        "/date/2101-01-01",
        "/week/2101-W01",
    ],
)
def test_periods_no_catalogue_can_hold_are_not_found(client: Client, url: str) -> None:
    paper(day=dt.date(2025, 3, 12))
    response = client.get(url)
    assert response.status_code == 404
    assert "years 1991 to 2100" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/daily_papers?week=9999-W52",
        "/api/daily_papers?month=9999-12",
        "/api/daily_papers?date=9999-12-31",
    ],
)
def test_the_api_refuses_impossible_periods_without_a_server_error(client: Client, url: str):
    paper(day=dt.date(2025, 3, 12))
    assert client.get(url).status_code in (400, 404, 422)


@pytest.mark.parametrize(
    "url", ["/week/1991-W01", "/month/1991-01", "/week/2100-W52", "/month/2100-12"]
)
def test_the_first_and_last_years_accepted_have_pages(client: Client, url: str) -> None:
    paper(day=dt.date(2025, 3, 12))
    response = client.get(url)
    assert response.status_code == 200
    assert 'href="/week/2025-W11"' in response.content.decode() or "/month/2025-03" in (
        response.content.decode()
    )


@pytest.mark.parametrize("url", ["/week/2100-W52", "/month/1991-08", "/date/2100-12-31"])
def test_a_period_far_from_every_paper_costs_a_few_queries(client: Client, url: str) -> None:
    paper(day=dt.date(2025, 3, 12))
    paper(day=dt.date(2025, 3, 13))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code in (200, 404)
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_made_up_query_parameters_share_the_pages_cache_entry(client: Client) -> None:
    target = paper(title="Cached once", day=dt.date(2025, 3, 12))
    first = client.get("/week/2025-W11?a=1")
    assert "Cached once" in first.content.decode()
    target.title = "Renamed since"
    target.save()
    for url in ("/week/2025-W11", "/week/2025-W11?b=2", "/week/2025-W11?a=1&c=%00"):
        assert "Cached once" in client.get(url).content.decode(), url
    # A parameter the page reads is part of the entry: page 2 is its own page.
    assert "Cached once" not in client.get("/week/2025-W11?page=2").content.decode()


def test_a_cached_page_shows_no_made_up_parameter(client: Client) -> None:
    paper(day=dt.date(2025, 3, 12))
    client.get("/week/2025-W11?next=evil&page=1")
    page = client.get("/week/2025-W11?page=1").content.decode()
    assert "evil" not in page


CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\ufffe\uffff"


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/search.rss?q=a%00b",
        "/feeds/search.atom?q=%01x",
        "/feeds/search.rss?q=%1F%0B%0C",
        "/feeds/search.atom?q=%EF%BF%BEx",
    ],
)
def test_control_characters_in_a_feeds_query_are_dropped(client: Client, url: str) -> None:
    paper(title="ab x", day=dt.date(2025, 3, 12))
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root is not None
    assert not any(c in response.content.decode() for c in CONTROL)


@pytest.mark.parametrize("url", ["/feeds/daily.rss", "/feeds/daily.atom", "/feeds/trending.rss"])
def test_control_characters_from_sources_never_reach_a_feed(client: Client, url: str) -> None:
    paper(
        title="Odd\x07 title\x1b[0m",  # no NUL: PostgreSQL cannot store one
        abstract="An abstract\x0b with\x0c form feeds\ufffe.",
        authors=["Ada\x01 Lovelace", "Alan\x08 Turing"],
        categories=["cs.LG\x02"],
        day=dt.date(2025, 3, 12),
        upvotes=5,
        daily_date=dt.date(2025, 3, 12),
    )
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    ET.fromstring(response.content)
    assert "Odd title[0m" in text
    assert "Ada Lovelace" in text
    assert not any(c in text for c in CONTROL)


def test_a_bad_host_is_answered_with_the_security_headers(client: Client) -> None:
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
