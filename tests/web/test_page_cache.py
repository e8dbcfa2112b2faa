"""Pages kept for anonymous visitors are dropped when what they show changes: a vote, a
submission or a comment. The cache is the one every node shares, so the next page served
anywhere shows the change (tests/scaleout shows it across two real nodes)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from paperwire.discussion import post
from tests.factories import account, paper

# Real commits: the pages are dropped when the change commits, not before.
pytestmark = pytest.mark.django_db(transaction=True)


def points(client: Client, path: str) -> int:
    page = client.get(path).content.decode()
    found = re.search(r'class="vote upvote"[^>]*>.*?<span class="count">(\d+)</span>', page, re.S)
    assert found, page
    return int(found.group(1))


@pytest.fixture(autouse=True)
def _long_cache(settings) -> None:
    settings.PAGE_CACHE_SECONDS = 300  # only dropping the page can show a change in time


def test_a_vote_shows_on_the_next_anonymous_page(client: Client):
    made = paper(arxiv_id="2501.00001", title="Graph networks")
    assert points(client, "/papers/2501.00001") == made.points
    voter = Client()
    voter.force_login(account("voter@example.org"))
    assert voter.post("/papers/2501.00001/upvote").status_code in (200, 302)
    assert points(client, "/papers/2501.00001") == made.points + 1


def test_without_a_change_the_kept_page_is_served(client: Client):
    from paperwire.catalogue.models import Paper

    made = paper(arxiv_id="2501.00001", title="Graph networks")
    assert points(client, "/papers/2501.00001") == made.points
    # A change outside the community (here, straight in the table) is not announced: the
    # kept page is what anonymous visitors get until it expires.
    Paper.objects.filter(pk=made.pk).update(votes=made.votes + 5)
    assert points(client, "/papers/2501.00001") == made.points


def test_a_new_comment_shows_on_the_next_anonymous_page(client: Client):
    import datetime as dt

    from django.utils import timezone

    made = paper(arxiv_id="2501.00001", title="Graph networks")
    assert "A first remark" not in client.get("/papers/2501.00001").content.decode()
    writer = account("writer@example.org")
    writer.date_joined = timezone.now() - dt.timedelta(days=30)  # not held for approval
    writer.save()
    post(writer, made, "A first remark on the bound.")
    assert "A first remark" in client.get("/papers/2501.00001").content.decode()
