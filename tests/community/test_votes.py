"""Upvotes: one per account per paper, a toggle, a new account's vote weighing less."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from paperwire.catalogue.models import Paper
from paperwire.community.models import Vote
from paperwire.community.votes import set_vote, toggle_vote
from tests.factories import account, paper

pytestmark = pytest.mark.django_db


def test_a_vote_toggles():
    user, target = account(), paper(upvotes=10)
    assert toggle_vote(user, target).points == 11
    assert toggle_vote(user, target).points == 10
    target.refresh_from_db()
    assert (target.votes, target.vote_weight) == (0, 0.0)
    assert not Vote.objects.exists()


def test_one_vote_per_account_and_paper():
    user, target = account(), paper()
    assert set_vote(user, target, voted=True).voted
    assert set_vote(user, target, voted=True).points == 1
    assert Vote.objects.count() == 1
    other = account("other@example.org")
    assert set_vote(other, target, voted=True).points == 2


def test_a_new_account_counts_a_quarter_in_trending_but_one_in_the_count():
    newcomer = account(age=dt.timedelta(hours=2))
    target = paper()
    assert toggle_vote(newcomer, target).points == 1
    target.refresh_from_db()
    assert target.vote_weight == 0.25


def test_a_vote_does_not_touch_modified_at():
    # The indexer follows modified_at; a vote must not send the paper back to it.
    target = paper()
    before = Paper.objects.get(pk=target.pk).modified_at
    toggle_vote(account(), target)
    assert Paper.objects.get(pk=target.pk).modified_at == before


@pytest.mark.django_db(transaction=True)
def test_simultaneous_votes_from_one_account_count_once():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs concurrent transactions")
    user, target = account(), paper()
    errors: list[BaseException] = []

    def vote() -> None:
        try:
            set_vote(user, target, voted=True)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    target.refresh_from_db()
    assert (Vote.objects.count(), target.votes) == (1, 1)
