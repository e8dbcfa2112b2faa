"""The discussion's rules: who is held, who sees what, depth, edits and their history,
deletion, votes and their counter, reports, moderation, and comment_published (once per
comment, after the commit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from pytest_django.fixtures import Settings

from paperwire import discussion
from paperwire.catalogue.models import Paper
from paperwire.discussion import (
    Comment,
    DiscussionError,
    Report,
    State,
    comment_published,
)
from tests.factories import account, comment, paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer() -> User:
    return account("new@example.org", age=dt.timedelta(hours=2))


@pytest.fixture
def the_paper() -> Paper:
    return paper()


@pytest.fixture
def published() -> Iterator[list[Comment]]:
    """The comments comment_published announced, in order."""
    sent: list[Comment] = []

    def receive(sender: Any, comment: Comment, **kwargs: Any) -> None:
        sent.append(comment)

    comment_published.connect(receive, weak=False)
    yield sent
    comment_published.disconnect(receive)


def test_new_accounts_are_held_for_the_configured_hours(
    newcomer: User, alice: User, settings: Settings
):
    settings.COMMENT_HOLD_HOURS = 24
    assert discussion.is_held(newcomer)
    assert not discussion.is_held(alice)
    settings.COMMENT_HOLD_HOURS = 1
    assert not discussion.is_held(newcomer)
    settings.COMMENT_HOLD_HOURS = 0  # off
    assert not discussion.is_held(account("brand-new@example.org", age=dt.timedelta(0)))
    staff = account("staff@example.org", age=dt.timedelta(0))
    staff.is_staff = True
    settings.COMMENT_HOLD_HOURS = 24
    assert not discussion.is_held(staff)


def test_a_visible_comment_is_announced_once_after_the_commit(
    alice: User, the_paper: Paper, published: list[Comment], django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        made = discussion.post(alice, the_paper, "hello")
    assert published == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [c.pk for c in published] == [made.pk]


def test_a_held_comment_is_announced_when_approved_and_only_once(
    newcomer: User, the_paper: Paper, published: list[Comment], django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = discussion.post(newcomer, the_paper, "wait")
    assert made.state == State.HELD
    assert published == []
    with django_capture_on_commit_callbacks(execute=True):
        assert discussion.approve([made.pk]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert discussion.approve([made.pk]) == 0
        discussion.hide([made.pk])
        discussion.unhide([made.pk])  # visible again, but it was announced already
    assert [c.pk for c in published] == [made.pk]
    assert published[0].state == State.VISIBLE


def test_a_comment_hidden_while_held_is_announced_when_unhidden(
    newcomer: User, the_paper: Paper, published: list[Comment], django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = discussion.post(newcomer, the_paper, "wait")
        discussion.hide([made.pk])
        assert discussion.approve([made.pk]) == 0  # approve takes held comments only
        discussion.unhide([made.pk])
    assert [c.pk for c in published] == [made.pk]


def test_who_sees_what_in_a_thread(alice: User, bob: User, newcomer: User, the_paper: Paper):
    shown = comment(the_paper, alice, "shown")
    comment(the_paper, newcomer, "held", state=State.HELD)
    comment(the_paper, alice, "hidden", state=State.HIDDEN)
    gone = comment(the_paper, alice, "gone", state=State.DELETED)
    comment(the_paper, bob, "reply to gone", parent=gone)

    def bodies(viewer: Any) -> list[str]:
        return [
            item.placeholder or item.comment.body
            for item in discussion.thread(the_paper, viewer).items
        ]

    assert bodies(AnonymousUser()) == ["shown", "[deleted]", "reply to gone"]
    assert bodies(None) == bodies(bob) == bodies(AnonymousUser())
    assert bodies(newcomer) == ["shown", "held", "[deleted]", "reply to gone"]
    mine = discussion.thread(the_paper, newcomer).items[1]
    assert (mine.held, mine.mine) == (True, True)
    assert discussion.thread(the_paper, None).count == 2
    assert discussion.counts([the_paper.pk]) == {the_paper.pk: 2}
    assert discussion.can_see(None, shown)


def test_depth_is_kept_at_four(alice: User, bob: User, the_paper: Paper):
    parent = discussion.post(alice, the_paper, "1")
    for n in range(2, 7):
        parent = discussion.post(bob if n % 2 else alice, the_paper, str(n), parent)
    assert list(Comment.objects.order_by("pk").values_list("depth", flat=True)) == [
        1, 2, 3, 4, 4, 4
    ]  # fmt: skip
    last = discussion.thread(the_paper, None).items[-1]
    assert last.replying_to == "bob"  # shown at its parent's depth: it says whom it answers


def test_replies_need_a_visible_parent_on_the_same_paper(
    alice: User, newcomer: User, the_paper: Paper
):
    held = comment(the_paper, newcomer, "held", state=State.HELD)
    with pytest.raises(DiscussionError, match=f"comment {held.pk} cannot be replied to"):
        discussion.post(alice, the_paper, "hi", held.pk)
    elsewhere = comment(paper(), alice, "elsewhere")
    with pytest.raises(DiscussionError, match="is not about"):
        discussion.post(alice, the_paper, "hi", elsewhere)
    with pytest.raises(DiscussionError, match="there is no comment 424242"):
        discussion.post(alice, the_paper, "hi", 424242)


def test_edits_keep_each_earlier_body_with_its_time(alice: User, the_paper: Paper):
    made = comment(the_paper, alice, "one", age=dt.timedelta(hours=1))
    discussion.edit(alice, made, "two")
    discussion.edit(alice, made, "two")  # unchanged: no new version
    discussion.edit(alice, made, "three $x$")
    made.refresh_from_db()
    assert made.html == '<p>three <span class="math">\\(x\\)</span></p>\n'
    history = discussion.history(made)
    assert [r.body for r in history] == ["two", "one"]
    assert history[1].written_at == made.created_at


def test_delete_removes_text_and_history_and_resolves_reports(
    alice: User, bob: User, the_paper: Paper
):
    made = comment(the_paper, alice, "one")
    discussion.edit(alice, made, "two")
    discussion.report(bob, made, "spam")
    discussion.delete(alice, made)
    made.refresh_from_db()
    assert (made.state, made.body, made.html) == (State.DELETED, "", "")
    assert not made.revisions.exists()
    assert Report.objects.get().resolved


def test_votes_keep_the_counter_in_step(alice: User, bob: User, the_paper: Paper):
    made = comment(the_paper, alice, "vote")
    carol = account("carol@example.org")
    assert discussion.vote(bob, made).votes == 1
    assert discussion.vote(carol, made, True).votes == 2
    assert discussion.vote(carol, made, True).votes == 2
    assert discussion.vote(bob, made).voted is False
    made.refresh_from_db()
    assert made.votes == made.upvotes.count() == 1
    with pytest.raises(DiscussionError, match="your own comment"):
        discussion.vote(alice, made)


def test_reporting_again_updates_the_one_report(alice: User, bob: User, the_paper: Paper):
    made = comment(the_paper, alice, "x")
    discussion.report(bob, made, "spam", "first")
    discussion.report(bob, made, "abuse", "  second\\nline ")
    report = Report.objects.get()
    assert (report.reason, report.note) == ("abuse", "second\\nline")
    with pytest.raises(DiscussionError, match="the reason must be one of"):
        discussion.report(bob, made, "boring")
    assert list(discussion.reported()) == [made]


def test_blocking_hides_everything_and_stops_posting(
    alice: User, bob: User, newcomer: User, the_paper: Paper
):
    comment(the_paper, newcomer, "spam 1")
    comment(the_paper, newcomer, "spam 2", state=State.HELD)
    assert discussion.block([newcomer, alice], keep=alice) == (1, 2)
    newcomer.refresh_from_db()
    assert not newcomer.is_active
    assert set(Comment.objects.values_list("state", flat=True)) == {State.HIDDEN}
    with pytest.raises(DiscussionError, match="this account is blocked"):
        discussion.post(newcomer, the_paper, "more")
    with pytest.raises(DiscussionError, match="sign in"):
        discussion.post(AnonymousUser(), the_paper, "anon")


def test_bodies_must_hold_text_within_the_limit(alice: User, the_paper: Paper):
    with pytest.raises(DiscussionError, match="the comment is empty"):
        discussion.post(alice, the_paper, " \n\x00 ")
    with pytest.raises(DiscussionError, match="too long: 10,001 characters, at most 10,000"):
        discussion.post(alice, the_paper, "x" * 10_001)


def test_the_public_name_never_shows_the_address(alice: User):
    assert discussion.public_name(alice) == "alice"
    assert discussion.public_name(account("x@y.org", username="Ada")) == "Ada"
    assert discussion.public_name(None) == "[deleted account]"
