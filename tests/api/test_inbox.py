"""The inbox through the API: GET /api/inbox (the reader's own, newest first, with the unread
count), POST /api/inbox/read; token auth; another reader's notifications never show."""

from __future__ import annotations

import json

from django.contrib.auth.models import User
from django.test import Client

from paperwire.inbox import Notification
from tests.api.conftest import client_of
from tests.factories import account, comment, notification, paper


def post_json(client: Client, url: str, body: object) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_inbox_lists_only_the_readers_own_newest_first(alice: User, bob: User):
    carol = account("carol@example.org")
    p1 = paper("2503.00001", "A <script>title</script>")
    older = notification(alice, comment(p1, bob, "older"), "saved")
    newer = notification(alice, comment(p1, carol, "**newer**"), "reply")
    notification(bob, comment(p1, carol, "for bob"), "saved")
    body = client_of(alice).get("/api/inbox").json()
    assert body["unread"] == 2
    assert [n["id"] for n in body["notifications"]] == [newer.pk, older.pk]
    first = body["notifications"][0]
    assert first["kind"] == "reply"
    assert first["paper"] == "2503.00001"
    assert first["paper_title"] == "A <script>title</script>"  # JSON: data, not markup
    assert first["comment"]["author"] == "carol"
    assert first["comment"]["excerpt"] == "newer"
    assert first["comment"]["url"].endswith(f"#comment-{newer.comment_id}")
    assert first["read_at"] is None
    assert "for bob" not in json.dumps(body)


def test_paging(alice: User, bob: User):
    p1 = paper()
    for n in range(3):
        notification(alice, comment(p1, bob, f"c{n}"))
    body = client_of(alice).get("/api/inbox?limit=2").json()
    assert len(body["notifications"]) == 2
    assert body["has_more"] is True
    assert client_of(alice).get("/api/inbox?limit=2&offset=2").json()["has_more"] is False


def test_mark_read_by_id_and_all_never_touching_anothers(alice: User, bob: User):
    p1 = paper()
    mine = notification(alice, comment(p1, bob, "one"))
    notification(alice, comment(p1, bob, "two"))
    theirs = notification(bob, comment(p1, alice, "bob's"))
    as_alice = client_of(alice)
    answer = post_json(as_alice, "/api/inbox/read", {"ids": [mine.pk, theirs.pk]})
    assert answer.json() == {"marked": 1, "unread": 1}  # type: ignore[attr-defined]
    theirs.refresh_from_db()
    assert theirs.read_at is None
    answer = post_json(as_alice, "/api/inbox/read", {"all": True})
    assert answer.json() == {"marked": 1, "unread": 0}  # type: ignore[attr-defined]
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_an_empty_request_to_mark_read_marks_nothing_and_answers_the_unread_count(
    alice: User, bob: User
):
    # The document allows {} (both fields are optional), so it is answered, not refused.
    notification(alice, comment(paper(), bob, "one"))
    answer = post_json(client_of(alice), "/api/inbox/read", {})
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer.json() == {"marked": 0, "unread": 1}  # type: ignore[attr-defined]


def test_a_false_among_the_ids_is_refused_not_read_as_notification_0(alice: User):
    answer = post_json(client_of(alice), "/api/inbox/read", {"ids": [False]})
    assert answer.status_code in (400, 422)  # type: ignore[attr-defined]


def test_without_a_token_the_inbox_is_401():
    assert Client().get("/api/inbox").status_code == 401
    assert (
        Client().post("/api/inbox/read", "{}", content_type="application/json").status_code == 401
    )
