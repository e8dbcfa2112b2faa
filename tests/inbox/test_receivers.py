"""Who a published comment notifies: replies, saved papers, claimed papers; once, never the
author, never while held, gone from the inbox when the comment is hidden or deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from paperwire.catalogue.models import Paper
from paperwire.discussion import approve, delete, hide, post
from paperwire.inbox import Notification, inbox_for, set_preference, unread_count
from paperwire.library import save
from tests.factories import account, claim, paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Post as the site does, running what waits for the commit (the signal)."""

    def run(author: User, on: Paper, body: str = "A comment.", parent: Any = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return post(author, on, body, parent)

    return run


@pytest.fixture
def p1() -> Paper:
    return paper("2503.00001", "Attention again")


def kinds(user: User) -> list[tuple[str, int]]:
    return [(n.kind, n.comment_id) for n in inbox_for(user)]


def test_a_reply_notifies_the_parent_author(publish, p1):
    alice, bob = account("alice@example.org"), account("bob@example.org")
    first = publish(alice, p1, "First!")
    answer = publish(bob, p1, "An answer.", first)
    assert kinds(alice) == [("reply", answer.pk)]
    assert kinds(bob) == []
    assert unread_count(alice) == 1


def test_the_author_is_never_notified_of_their_own_comment(publish, p1):
    alice = account("alice@example.org")
    save(alice, p1)
    first = publish(alice, p1, "First!")
    publish(alice, p1, "Replying to myself.", first)
    assert Notification.objects.count() == 0


def test_a_comment_on_a_saved_paper_notifies_every_saver(publish, p1):
    alice, bob, carol = (account(f"{n}@example.org") for n in ("alice", "bob", "carol"))
    save(alice, p1)
    save(bob, p1)
    made = publish(carol, p1)
    assert kinds(alice) == [("saved", made.pk)]
    assert kinds(bob) == [("saved", made.pk)]


def test_a_comment_on_a_claimed_paper_notifies_its_author(publish, p1):
    author, reader = account("author@example.org"), account("reader@example.org")
    claim(author, paper=p1)
    made = publish(reader, p1)
    assert kinds(author) == [("authored", made.pk)]


def test_an_unapproved_claim_notifies_nobody(publish, p1):
    author, reader = account("author@example.org"), account("reader@example.org")
    claim(author, paper=p1, approved=False)
    publish(reader, p1)
    assert kinds(author) == []


def test_one_comment_that_qualifies_three_ways_is_one_notification_of_the_strongest_kind(
    publish, p1
):
    alice, bob = account("alice@example.org"), account("bob@example.org")
    claim(alice, paper=p1)
    save(alice, p1)
    first = publish(alice, p1, "My paper.")
    answer = publish(bob, p1, "A question.", first)
    assert kinds(alice) == [("reply", answer.pk)]
    claim_only = publish(bob, p1, "Top level.")
    assert kinds(alice) == [("authored", claim_only.pk), ("reply", answer.pk)]


def test_a_held_comment_notifies_nobody_until_it_is_approved(
    publish, p1, settings, django_capture_on_commit_callbacks
):
    settings.COMMENT_HOLD_HOURS = 24
    alice = account("alice@example.org")
    newcomer = account("new@example.org", age=dt.timedelta(hours=1))
    save(alice, p1)
    held = publish(newcomer, p1, "Buy now")
    assert held.state == "held"
    assert kinds(alice) == []
    with django_capture_on_commit_callbacks(execute=True):
        approve([held.pk])
    assert kinds(alice) == [("saved", held.pk)]


def test_hidden_and_deleted_comments_leave_the_inbox(publish, p1):
    alice, bob = account("alice@example.org"), account("bob@example.org")
    save(alice, p1)
    spam = publish(bob, p1, "spam")
    regret = publish(bob, p1, "regret")
    kept = publish(bob, p1, "kept")
    hide([spam.pk])
    delete(bob, regret)
    assert kinds(alice) == [("saved", kept.pk)]
    assert unread_count(alice) == 1


def test_a_second_announcement_adds_nothing(publish, p1):
    from paperwire.inbox import notify

    alice, bob = account("alice@example.org"), account("bob@example.org")
    save(alice, p1)
    made = publish(bob, p1)
    notify(made)
    assert Notification.objects.filter(recipient=alice).count() == 1


def test_a_kind_off_for_the_inbox_but_on_for_mail_is_mailed_not_listed(publish, p1):
    alice, bob = account("alice@example.org"), account("bob@example.org")
    save(alice, p1)
    set_preference(alice, "saved", inbox=False, mail=True)
    publish(bob, p1)
    assert kinds(alice) == []
    assert Notification.objects.get(recipient=alice).mail_pending


def test_a_kind_off_for_both_makes_no_notification(publish, p1):
    alice, bob = account("alice@example.org"), account("bob@example.org")
    save(alice, p1)
    set_preference(alice, "saved", inbox=False, mail=False)
    publish(bob, p1)
    assert not Notification.objects.filter(recipient=alice).exists()
