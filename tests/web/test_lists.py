"""The lists: the newest day at /, any day, week and month by URL, ranked by votes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.factories import paper

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 15)


def test_home_shows_the_newest_day_most_upvoted_first(client: Client):
    paper(title="Yesterday's star", announced_on=DAY - dt.timedelta(days=1), upvotes=90)
    paper(title="Quiet one", announced_on=DAY, upvotes=1)
    paper(title="Loud one", announced_on=DAY, upvotes=40)
    page = client.get("/").content.decode()
    assert "Yesterday&#x27;s star" not in page
    assert page.index("Loud one") < page.index("Quiet one")


def test_a_submission_day_wins_over_the_listing_day(client: Client):
    paper(
        title="Listed earlier, submitted today",
        announced_on=DAY - dt.timedelta(days=3),
        daily_date=DAY,
    )
    page = client.get(f"/date/{DAY:%Y-%m-%d}").content.decode()
    assert "Listed earlier, submitted today" in page
    older = client.get(f"/date/{DAY - dt.timedelta(days=3):%Y-%m-%d}")
    assert "Listed earlier" not in older.content.decode()


def test_each_entry_has_what_a_reader_needs(client: Client):
    paper(
        arxiv_id="2501.00042",
        title="Sparse attention",
        authors=["Grace Hopper"],
        categories=["cs.CL", "cs.LG"],
        abstract="We study sparse attention at scale.",
        upvotes=7,
        submitted_by="hopper",
        links=[{"kind": "github", "url": "https://github.com/example/sparse"}],
    )
    page = client.get("/").content.decode()
    for needle in (
        'href="/papers/2501.00042"',
        "Grace Hopper",
        'href="/authors/Grace%20Hopper"',
        "cs.CL",
        "https://arxiv.org/abs/2501.00042",
        "https://arxiv.org/pdf/2501.00042",
        "https://github.com/example/sparse",
        "submitted by hopper",
        "We study sparse attention",
        '<span class="count">7</span>',
    ):
        assert needle in page, needle


def test_week_and_month_collect_their_days(client: Client):
    paper(title="Monday paper", announced_on=dt.date(2025, 1, 13), upvotes=3)
    paper(title="Sunday paper", announced_on=dt.date(2025, 1, 19), upvotes=5)
    paper(title="Next Monday paper", announced_on=dt.date(2025, 1, 20))
    week = client.get("/week/2025-W03").content.decode()
    assert week.index("Sunday paper") < week.index("Monday paper")
    assert "Next Monday paper" not in week
    month = client.get("/month/2025-01").content.decode()
    assert "Next Monday paper" in month


def test_navigation_skips_days_without_papers(client: Client):
    paper(announced_on=dt.date(2025, 1, 10))
    paper(announced_on=dt.date(2025, 1, 13))
    paper(announced_on=dt.date(2025, 1, 16))
    page = client.get("/date/2025-01-13").content.decode()
    assert 'href="/date/2025-01-10"' in page
    assert 'href="/date/2025-01-16"' in page
    assert 'href="/week/2025-W03"' in page
    assert 'href="/month/2025-01"' in page


@pytest.mark.parametrize(
    "url",
    [
        "/date/2025-02-30",
        "/date/yesterday",
        "/week/2025-W54",
        "/month/2025-13",
        "/date/" + "9" * 50,
    ],
)
def test_impossible_periods_are_404_with_a_message(client: Client, url: str):
    paper()
    response = client.get(url)
    assert response.status_code == 404
    assert "expected" in response.content.decode()


def test_a_week_may_be_spelt_without_the_dash(client: Client):
    response = client.get("/week/2025W3")
    assert response.status_code == 301
    assert response["Location"] == "/week/2025-W03"


def test_lists_page_without_counting(client: Client):
    for n in range(35):
        paper(title=f"Numbered {n:02d}", upvotes=n)
    first = client.get("/").content.decode()
    second = client.get("/", {"page": "2"}).content.decode()
    assert "Numbered 34" in first
    assert "Numbered 04" not in first
    assert "Numbered 04" in second
    assert 'href="?page=1"' in second
    assert client.get("/", {"page": "junk"}).status_code == 200


def test_hidden_papers_are_in_no_list(client: Client):
    paper(title="Hidden away", hidden=True, upvotes=100)
    paper(title="Visible")
    assert "Hidden away" not in client.get("/").content.decode()
    assert "Hidden away" not in client.get("/trending").content.decode()


def test_paper_text_is_escaped_in_lists(client: Client):
    paper(
        title="<img src=x onerror=alert(1)>",
        authors=["<script>alert(2)</script>"],
        announced_on=DAY,
        upvotes=5,
    )
    for url in ("/", "/trending", f"/date/{DAY:%Y-%m-%d}", "/week/2025-W03", "/month/2025-01"):
        page = client.get(url).content.decode()
        assert "<img src=x" not in page, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, url
        assert "<script>alert(2)" not in page, url


def test_an_empty_catalogue_says_how_to_load_papers(client: Client):
    assert "paperwire import" in client.get("/").content.decode()


def test_anonymous_pages_are_served_from_the_cache(client: Client):
    first = paper(title="Before")
    assert "Before" in client.get("/").content.decode()
    first.title = "After"
    first.save()
    assert "Before" in client.get("/").content.decode()  # the cached page, within its lifetime
