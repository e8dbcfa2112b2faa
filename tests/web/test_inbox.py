"""The inbox on the site: /inbox newest first with unread marked, mark read and all read, the
per-kind switches at /inbox/settings, the unread count in the nav (one query), the one-click
unsubscribe address of notification mail — and that nobody sees anyone else's inbox."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from paperwire.catalogue.models import Paper
from paperwire.discussion import hide
from paperwire.inbox import Notification, Preference, preferences, unsubscribe_token
from tests.factories import comment, notification, paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def p1() -> Paper:
    return paper("2503.00001", "Attention <b>again</b>")


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_inbox_lists_the_readers_notifications_newest_first_with_unread_marked(alice, bob, p1):
    older = notification(alice, comment(p1, bob, "First thought"), "saved", read=True)
    newer = notification(alice, comment(p1, bob, "Second *thought*"), "reply")
    page = signed_in(alice).get("/inbox").content.decode()
    assert page.index(f'id="notification-{newer.pk}"') < page.index(f'id="notification-{older.pk}"')
    assert f'class="notification unread" id="notification-{newer.pk}"' in page
    assert f'class="notification" id="notification-{older.pk}"' in page
    assert "Second thought" in page  # the text, without its Markdown
    assert "Attention &lt;b&gt;again&lt;/b&gt;" in page  # the title escaped
    assert "bob@example.org" not in page  # the discussion's public name, never the address
    assert ">bob</strong>" in page


def test_the_nav_shows_the_unread_count_in_one_query(alice, bob, p1):
    for n in range(3):
        notification(alice, comment(p1, bob, f"comment {n}"))
    browser = signed_in(alice)
    with CaptureQueriesContext(connection) as queries:
        page = browser.get("/library").content.decode()
    assert '<span class="unread-count" aria-label="3 unread">3</span>' in page
    counts = [q["sql"] for q in queries if "inbox_notification" in q["sql"]]
    assert len(counts) == 1, counts


def test_mark_one_read_then_all_read(alice, bob, p1):
    first = notification(alice, comment(p1, bob, "one"))
    notification(alice, comment(p1, bob, "two"))
    browser = signed_in(alice)
    assert browser.post("/inbox/read", {"id": first.pk}).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 1
    browser.post("/inbox/read", {"all": "1"})
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert 'class="unread-count"' not in browser.get("/inbox").content.decode()


def test_a_reader_cannot_mark_or_see_another_readers_notification(alice, bob, p1):
    hers = notification(alice, comment(p1, bob, "for alice only"))
    browser = signed_in(bob)
    browser.post("/inbox/read", {"id": hers.pk})
    hers.refresh_from_db()
    assert hers.read_at is None
    assert "for alice only" not in browser.get("/inbox").content.decode()


def test_the_inbox_is_never_cached_and_asks_anonymous_visitors_to_sign_in(alice, bob, p1, settings):
    settings.PAGE_CACHE_SECONDS = 300
    notification(alice, comment(p1, bob, "private words"))
    response = signed_in(alice).get("/inbox")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    anonymous = Client().get("/inbox")
    assert anonymous.status_code == 302
    assert "/accounts/login" in anonymous["Location"] or "login" in anonymous["Location"]
    assert "private words" not in Client().get("/").content.decode()
    assert "unread-count" not in Client().get("/").content.decode()


def test_a_hidden_comment_leaves_the_inbox_and_the_count(alice, bob, p1):
    spam = comment(p1, bob, "spam spam")
    notification(alice, spam)
    hide([spam.pk])
    page = signed_in(alice).get("/inbox").content.decode()
    assert "spam spam" not in page
    assert "unread-count" not in page


def test_settings_switch_each_kind_for_inbox_and_mail(alice):
    browser = signed_in(alice)
    page = browser.get("/inbox/settings").content.decode()
    assert page.count("checked") == 6  # everything on until changed
    response = browser.post(
        "/inbox/settings",
        {"reply-inbox": "1", "reply-mail": "1", "authored-inbox": "1", "saved-mail": "1"},
    )
    assert response.status_code == 302
    assert preferences(alice) == {
        "reply": {"inbox": True, "mail": True},
        "authored": {"inbox": True, "mail": False},
        "saved": {"inbox": False, "mail": True},
    }


def test_one_click_unsubscribe_turns_notification_mail_off(alice, bob, p1):
    waiting = notification(alice, comment(p1, bob), mail=True)
    token = unsubscribe_token(alice.pk)
    page = Client().get(f"/inbox/unsubscribe/{token}")
    assert page.status_code == 200  # a GET only asks: mail scanners open links
    assert not Preference.objects.exists()
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no cookie, no CSRF token
    response = Client(enforce_csrf_checks=True).post(
        f"/inbox/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert all(not p["mail"] for p in preferences(alice).values())
    assert all(p["inbox"] for p in preferences(alice).values())
    waiting.refresh_from_db()
    assert not waiting.mail_pending


def test_an_altered_unsubscribe_link_is_refused_in_one_line(alice):
    token = unsubscribe_token(alice.pk)
    forged = f"{alice.pk + 1}:{token.split(':', 1)[1]}"
    response = Client().post(f"/inbox/unsubscribe/{forged}")
    assert response.status_code == 400
    assert "this link is not valid" in response.content.decode()
    assert all(p["mail"] for p in preferences(alice).values())
