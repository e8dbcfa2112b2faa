"""RSS and Atom for the daily list, trending and any search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from defusedxml import ElementTree
from django.test import Client

from tests.factories import paper

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_daily_rss_lists_the_newest_day(client: Client):
    paper(arxiv_id="2501.00001", title="Old", announced_on=dt.date(2025, 1, 1))
    paper(arxiv_id="2501.00002", title="New", announced_on=dt.date(2025, 1, 2), upvotes=3)
    response = client.get("/feeds/daily.rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)
    titles = [t.text for t in root.iter("title")]
    assert "New" in titles
    assert "Old" not in titles
    assert any((g.text or "") == "https://arxiv.org/abs/2501.00002" for g in root.iter("guid"))


def test_trending_atom_is_valid_atom(client: Client):
    paper(title="Trending thing", upvotes=10)
    root = ElementTree.fromstring(client.get("/feeds/trending.atom").content)
    assert root.tag == f"{ATOM}feed"
    assert [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")] == ["Trending thing"]


def test_any_search_is_a_feed(client: Client, indexed: Callable[[], int]):
    paper(title="Diffusion models for audio", abstract="diffusion")
    paper(title="Unrelated", abstract="nothing")
    indexed()
    for url in ("/feeds/search.rss", "/feeds/search.atom"):
        body = client.get(url, {"q": "diffusion", "mode": "lexical"}).content
        assert b"Diffusion models for audio" in body
        assert b"Unrelated" not in body
    page = client.get("/search", {"q": "diffusion"}).content.decode()
    assert 'href="/feeds/search.rss?q=diffusion"' in page


def test_feeds_escape_paper_text(client: Client):
    paper(title="<img src=x onerror=alert(1)>", abstract="a & b <script>", upvotes=1)
    for url in ("/feeds/daily.rss", "/feeds/daily.atom", "/feeds/trending.rss"):
        body = client.get(url).content
        assert b"<img src=x" not in body, url
        ElementTree.fromstring(body)  # well-formed
