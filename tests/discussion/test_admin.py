"""The moderators' queue in the admin: filters (held, reported) and the actions approve, hide,
unhide and block the author, as a moderator's browser posts them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire import discussion
from paperwire.discussion import Comment, State
from tests.factories import account, comment, paper

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/discussion/comment/"


def act(client: Client, action: str, *comments: Comment) -> str:
    response = client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in comments], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_queue_filters_held_and_reported(admin_client: Client):
    p = paper()
    alice, bob = account("alice@example.org"), account("bob@example.org")
    held = comment(p, alice, "held words", state=State.HELD)
    reported = comment(p, alice, "reported words")
    comment(p, alice, "quiet words")
    discussion.report(bob, reported, "spam", "an advert")
    page = admin_client.get(CHANGELIST + "?state__exact=held").content.decode()
    assert "held words" in page
    assert "reported words" not in page
    page = admin_client.get(CHANGELIST + "?reported=open").content.decode()
    assert "reported words" in page
    assert "quiet words" not in page
    assert held.pk != reported.pk


def test_approve_hide_unhide_and_block(admin_client: Client, admin_user: User):
    p = paper()
    alice, spammer = account("alice@example.org"), account("spam@example.org")
    held = comment(p, alice, "wait", state=State.HELD)
    spam = comment(p, spammer, "buy now")
    assert "Approved 1 comment(s)." in act(admin_client, "approve", held)
    assert "Hid 1 comment(s)." in act(admin_client, "hide", held)
    assert "Unhid 1 comment(s)." in act(admin_client, "unhide", held)
    held.refresh_from_db()
    assert held.state == State.VISIBLE
    own = comment(p, admin_user, "the moderator's own")
    assert "Blocked 1 account(s); hid 1 comment(s)." in act(admin_client, "block_author", spam, own)
    spammer.refresh_from_db()
    admin_user.refresh_from_db()
    assert not spammer.is_active
    assert admin_user.is_active  # a moderator never blocks themselves
    spam.refresh_from_db()
    assert spam.state == State.HIDDEN
