"""A query's feed shows what is new: the newest papers matching it by the digests' rule, not the
most relevant papers of all time sorted by date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import week_of
from paperwire.digests.compose import PeriodPapers
from tests.factories import paper

pytestmark = pytest.mark.django_db

LATEST = dt.date(2025, 3, 14)  # a Friday
QUERY = "graph neural networks"


def _listed(client: Client, query: str) -> list[str]:
    feed = client.get("/feeds/search.rss", {"q": query}).content.decode()
    return re.findall(r"<guid[^>]*>https://arxiv.org/abs/([0-9.]+)</guid>", feed)


@pytest.fixture
def catalogue() -> None:
    # Sixty old papers that say it louder than anything new ...
    loud = "Graph neural networks: graph neural networks for graphs"
    for n in range(60):
        old = LATEST - dt.timedelta(days=365 + n)
        paper(f"2403.{n:05d}", loud, day=old, abstract="Graph neural networks.")
    # ... and this week's, which say it once.
    paper("2503.00001", "Message passing on molecules", day=LATEST,
          abstract="We study graph neural networks on molecules.")  # fmt: skip
    paper("2503.00002", "Scaling message passing", day=LATEST - dt.timedelta(days=2),
          abstract="Deep graph neural networks at scale.")  # fmt: skip
    paper("2503.00003", "Tax law in medieval towns", day=LATEST,
          abstract="Tax records of English towns.")  # fmt: skip


def test_the_feed_lists_this_weeks_matches_newest_first(catalogue: None, client: Client) -> None:
    assert _listed(client, QUERY) == ["2503.00001", "2503.00002"]


def test_the_feed_and_a_digest_topic_agree(catalogue: None, client: Client) -> None:
    week = PeriodPapers.load(week_of(LATEST))
    topic = week.pool.match([QUERY], None)[QUERY]
    assert len(topic) == 2
    assert set(_listed(client, QUERY)) == set(
        Paper.objects.filter(pk__in=topic).values_list("arxiv_id", flat=True)
    )


def test_with_few_new_matches_the_feed_looks_further_back(client: Client) -> None:
    paper("2503.00001", "Graph neural networks today", day=LATEST)
    paper("2502.00001", "Graph neural networks a month ago", day=LATEST - dt.timedelta(days=30))
    paper("2402.00001", "Graph neural networks a year ago", day=LATEST - dt.timedelta(days=365))
    assert _listed(client, QUERY) == ["2503.00001", "2502.00001"]


def test_a_feed_is_served_from_the_page_cache(catalogue: None, client: Client) -> None:
    first = _listed(client, QUERY)
    paper("2503.00009", "Graph neural networks, newest", day=LATEST)
    assert _listed(client, QUERY) == first  # cached for a page-cache period
    cache.clear()
    assert _listed(client, QUERY)[0] == "2503.00009"
