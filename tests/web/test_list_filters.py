"""The list filters on the site: the day, week and month pages, trending, their feeds, and the
API, all taking the same parameters (``paperwire.library.FeedFilters``) and answering alike."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.library import Reader, mark
from tests.factories import DAY, account, paper

pytestmark = pytest.mark.django_db

# The title link of each paper in a list, in the list's order.
TITLE_LINK = re.compile(
    r'<h3 class="title math">(?:<span[^>]*>[^<]*</span> )?<a href="/papers/([^"]+)"'
)
# An item of RSS (guid) or Atom (id).
GUID = re.compile(r"<(?:guid[^>]*|id)>https://arxiv.org/abs/([^<]+)</(?:guid|id)>")


def listed(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return TITLE_LINK.findall(response.content.decode())


def in_feed(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return GUID.findall(response.content.decode())


def in_api(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return [item["id"] for item in response.json()["papers"]]


@pytest.fixture
def catalogue() -> dict[str, Paper]:
    """A day of papers that each filter tells apart, with distinct vote counts."""
    return {
        "lg": paper("2501.00001", "Kernels for learning", categories=["cs.LG"], upvotes=50),
        "cv": paper("2501.00002", "Seeing far", categories=["cs.CV"], upvotes=40),
        "tf": paper("2501.00003", "Transformers everywhere", categories=["cs.LG"], upvotes=30),
        "st": paper("2501.00004", "Estimators", categories=["math.ST"], upvotes=20),
        "sub": paper(
            "2501.00005", "Submitted one", categories=["cs.LG"], upvotes=10, daily_date=DAY
        ),
    }


QUERIES = [
    "cat=cs",
    "cat=cs.LG",
    "cat=cs.LG&cat=math",
    "exclude=transformer",
    "cat=cs&exclude=transformer,seeing",
    "listing=submitted",
    "cat=math.ST,cs.CV&listing=all",
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_page_its_feed_and_the_api_list_the_same_papers_in_the_same_order(
    client: Client, catalogue, query
):
    page = listed(client, f"/?{query}")
    assert page == listed(client, f"/date/{DAY:%Y-%m-%d}?{query}")
    assert page == in_feed(client, f"/feeds/daily.rss?{query}")
    assert page == in_feed(client, f"/feeds/daily.atom?{query}")
    assert page == in_api(client, f"/api/daily?date={DAY:%Y-%m-%d}&{query}")
    hf = client.get(f"/api/daily_papers?sort=trending&{query}").json()
    assert page == [item["paper"]["id"] for item in hf]
    trending = listed(client, f"/trending?{query}")
    assert trending == in_feed(client, f"/feeds/trending.rss?{query}")
    assert trending == in_api(client, f"/api/trending?{query}")
    assert page  # every query above keeps something


def test_an_archive_means_all_its_categories_and_a_category_only_itself(client, catalogue):
    assert listed(client, "/?cat=cs") == ["2501.00001", "2501.00002", "2501.00003", "2501.00005"]
    assert listed(client, "/?cat=cs.LG") == ["2501.00001", "2501.00003", "2501.00005"]
    assert listed(client, "/?cat=CS.lg") == listed(client, "/?cat=cs.LG")


def test_an_excluded_word_hides_its_other_endings(client, catalogue):
    assert "2501.00003" not in listed(client, "/?exclude=transformer")
    assert "2501.00003" not in listed(client, "/?exclude=TRANSFORMERS")
    assert "2501.00003" in listed(client, "/?exclude=transform")  # a whole word, not a prefix


def test_submitted_only_keeps_the_daily_lists_papers(client, catalogue):
    assert listed(client, "/?listing=submitted") == ["2501.00005"]
    assert len(listed(client, "/?listing=all")) == 5


def test_filters_work_on_weeks_and_months(client, catalogue):
    week = DAY.isocalendar()
    assert listed(client, f"/week/{week.year}-W{week.week:02d}?cat=math") == ["2501.00004"]
    assert listed(client, f"/month/{DAY:%Y-%m}?cat=math") == ["2501.00004"]


def test_a_non_canonical_period_keeps_its_filters_when_redirected(client, catalogue):
    week = DAY.isocalendar()
    response = client.get(f"/week/{week.year}W{week.week:02d}?cat=math&cat=cs.cv")
    assert response.status_code == 301
    assert response["Location"].endswith("?cat=cs.CV%2Cmath")


# -- hiding read / not interested: the reader's own ---------------------------------------


def test_hiding_read_and_not_interested_is_only_for_that_reader(client, catalogue):
    alice, bob = account("alice@example.org"), account("bob@example.org")
    mark(alice, catalogue["lg"], "read")
    mark(alice, catalogue["cv"], "not_interested")
    hiding = "/?hide=read,not_interested"
    everything = ["2501.00001", "2501.00002", "2501.00003", "2501.00004", "2501.00005"]
    assert listed(client, hiding) == everything  # anonymous: nothing to hide
    client.force_login(alice)
    assert listed(client, hiding) == ["2501.00003", "2501.00004", "2501.00005"]
    assert listed(client, "/?hide=read") == [p for p in everything if p != "2501.00001"]
    assert listed(client, "/trending?hide=read") == [p for p in everything if p != "2501.00001"]
    assert in_api(client, f"/api/daily?{hiding[2:]}") == ["2501.00003", "2501.00004", "2501.00005"]
    client.force_login(bob)
    assert listed(client, hiding) == everything


def test_a_cached_anonymous_page_never_shows_a_readers_hiding(client, catalogue, settings):
    settings.PAGE_CACHE_SECONDS = 300
    alice = account("alice@example.org")
    mark(alice, catalogue["lg"], "read")
    reader = Client()
    reader.force_login(alice)
    # The reader first, then anonymous visitors: the reader's page was never stored...
    assert "2501.00001" not in listed(reader, "/?hide=read")
    assert "2501.00001" in listed(client, "/?hide=read")
    # ...and an anonymous page stored since is never served to the reader.
    assert "2501.00001" not in listed(reader, "/?hide=read")
    assert "2501.00001" in listed(client, "/?hide=read")
    # Feeds never read hide, whoever fetches them.
    assert "2501.00001" in in_feed(reader, "/feeds/daily.rss?hide=read")


def test_the_api_hides_a_token_holders_marks(client, catalogue):
    from tests.factories import token_for

    alice = account("alice@example.org")
    mark(alice, catalogue["lg"], "read")
    with_token = Client(headers={"Authorization": f"Bearer {token_for(alice)}"})
    assert "2501.00001" not in in_api(with_token, "/api/daily?hide=read")
    assert "2501.00001" in in_api(client, "/api/daily?hide=read")
    wrong = Client(headers={"Authorization": "Bearer nonsense"})
    response = wrong.get("/api/daily?hide=read")
    assert response.status_code == 401
    assert "detail" in response.json()


# -- pinned defaults ---------------------------------------------------------------------


def test_pinned_filters_apply_without_parameters_and_yield_to_given_ones(client, catalogue):
    client.force_login(account("alice@example.org"))
    answer = client.post("/", {"cat": "math", "pin": "1"})
    assert answer.status_code == 302
    assert answer["Location"] == "/"
    assert listed(client, "/") == ["2501.00004"]
    assert listed(client, f"/date/{DAY:%Y-%m-%d}") == ["2501.00004"]
    assert listed(client, "/trending") == ["2501.00004"]
    page = client.get("/").content.decode()
    assert "your pinned defaults" in page
    assert 'href="/feeds/daily.rss?cat=math"' in page  # the feed link carries them
    # Given filters win, and so does "no filters" as the empty form sends it.
    assert listed(client, "/?cat=cs.CV") == ["2501.00002"]
    assert len(listed(client, "/?cat=&exclude=&listing=all")) == 5
    # Nobody else gets them.
    assert len(listed(Client(), "/")) == 5
    client.post("/trending", {"unpin": "1"})
    assert len(listed(client, "/")) == 5


def test_pinning_needs_a_signed_in_reader(client, catalogue):
    response = client.post("/", {"cat": "math", "pin": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Reader.objects.exists()


def test_pinning_bad_filters_is_a_400_and_pins_nothing(client, catalogue):
    alice = account("alice@example.org")
    client.force_login(alice)
    response = client.post("/", {"cat": "no such thing", "pin": "1"})
    assert response.status_code == 400
    assert not Reader.objects.filter(user=alice).exclude(filters={}).exists()


# -- bad and hostile parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/?cat=cs%20LG", "cat: &#x27;cs LG&#x27; is not an arXiv archive or category"),
        ("/trending?hide=all", "hide: write read or not_interested, not &#x27;all&#x27;"),
        (f"/date/{DAY:%Y-%m-%d}?listing=some", "listing: write all or submitted"),
        ("/?cat=%3Cscript%3Ealert(1)%3C/script%3E", "&#x27;&lt;script&gt;alert(1)&lt;/script"),
    ],
)
def test_bad_filters_on_a_page_are_a_400_saying_what_to_fix(client, catalogue, url, says):
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert "<script>alert" not in page


def test_bad_filters_in_a_feed_or_the_api_are_one_line_400s(client, catalogue):
    feed = client.get("/feeds/daily.rss?cat=%3Cb%3E")
    assert feed.status_code == 400
    assert feed.content.decode().count("\n") == 1
    assert "cat:" in feed.content.decode()
    api = client.get("/api/daily?cat=%3Cb%3E")
    assert api.status_code == 400
    assert api.json()["detail"].startswith("cat")


def test_hostile_filter_text_is_escaped_everywhere(client, catalogue):
    hostile = '"><script>alert(1)</script>'
    page = client.get("/", {"exclude": hostile}).content.decode()
    assert "<script>alert(1)" not in page
    feed = client.get("/feeds/daily.rss", {"exclude": hostile})
    assert feed.status_code == 200
    assert b"<script>" not in feed.content


# -- links carry the filters -------------------------------------------------------------


def test_pages_links_carry_the_filters_and_feeds_only_the_public_ones(client, catalogue):
    for n in range(40):
        paper(f"2501.1{n:04d}", categories=["cs.LG"])
    client.force_login(account("alice@example.org"))
    page = client.get("/?hide=read&cat=cs.lg").content.decode()
    assert 'href="?cat=cs.LG&amp;hide=read&amp;page=2"' in page
    assert 'href="/feeds/daily.rss?cat=cs.LG"' in page
    assert 'href="/feeds/daily.atom?cat=cs.LG"' in page
    assert "hide=read" not in re.findall(r'href="(/feeds/[^"]+)"', page)[0]
    second = listed(client, "/?cat=cs.LG&hide=read&page=2")
    assert second
    assert all(Paper.objects.get(arxiv_id=i).categories == ["cs.LG"] for i in second)


def test_feed_titles_say_what_they_are_filtered_by(client, catalogue):
    feed = client.get("/feeds/daily.rss?cat=cs.LG&exclude=survey").content.decode()
    assert "daily papers (in cs.LG; without survey)" in feed


# -- new since the last visit ------------------------------------------------------------


def test_the_daily_page_marks_what_arrived_since_the_last_visit(client, catalogue):
    alice = account("alice@example.org")
    client.force_login(alice)
    first = client.get("/")
    assert first.context["new_ids"] == set()  # the first visit marks nothing
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Reader.objects.filter(user=alice).update(last_visit_at=an_hour_ago)
    Paper.objects.update(created_at=an_hour_ago - dt.timedelta(hours=1))
    fresh = paper("2501.00099", "Fresh arrival", upvotes=99)
    response = client.get("/")
    assert response.context["new_ids"] == {fresh.pk}
    assert "1 new since your last visit" in response.content.decode()
    # A reload a moment later is the same visit: still new.
    assert client.get("/").context["new_ids"] == {fresh.pk}
    # Nobody else's page says so.
    assert "new since your last visit" not in Client().get("/").content.decode()
