"""The comments API: a paper's discussion (public, visible comments only), posting with a
token (held for new accounts), edit, delete, vote and report; hostile Markdown comes back
inert; numComments and num_comments count visible comments, one query per list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from paperwire.discussion import Comment, CommentVote, Report, Revision, State
from tests.factories import account, comment, paper

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))"


@pytest.fixture
def the_paper() -> Paper:
    return paper("2501.00042")


def test_anyone_reads_a_papers_comments_flat_in_reading_order(
    alice: User, bob: User, the_paper: Paper
):
    first = comment(the_paper, alice, "first $x$", age=dt.timedelta(minutes=3))
    second = comment(the_paper, bob, "second", age=dt.timedelta(minutes=2))
    reply = comment(the_paper, bob, "reply", parent=first, age=dt.timedelta(minutes=1))
    comment(the_paper, account("new@example.org"), "held", state=State.HELD)
    answer = Client().get(f"/api/papers/{the_paper.arxiv_id}/comments")
    assert answer.status_code == 200
    data = answer.json()
    assert data["paper"] == the_paper.arxiv_id
    assert data["count"] == 3
    shown = [(c["id"], c["parent"], c["depth"], c["author"]) for c in data["comments"]]
    assert shown == [
        (first.pk, None, 1, "alice"),
        (reply.pk, first.pk, 2, "bob"),
        (second.pk, None, 1, "bob"),
    ]
    assert data["comments"][0]["html"] == '<p>first <span class="math">\\(x\\)</span></p>\n'
    assert "example.org" not in answer.content.decode()  # addresses are private


def test_a_deleted_parent_is_a_placeholder_without_its_text(
    alice: User, bob: User, the_paper: Paper
):
    gone = comment(the_paper, alice, "secret", state=State.DELETED)
    comment(the_paper, bob, "still here", parent=gone)
    data = Client().get(f"/api/papers/{the_paper.arxiv_id}/comments").json()
    assert [c["state"] for c in data["comments"]] == ["deleted", "visible"]
    placeholder = data["comments"][0]
    assert (placeholder["body"], placeholder["html"], placeholder["author"]) == ("", "", None)
    assert data["count"] == 1


def test_post_a_comment_and_a_reply_with_a_token(as_alice: Client, the_paper: Paper):
    made = as_alice.post(
        f"/api/papers/{the_paper.arxiv_id}/comments",
        {"body": "Why $O(n)$?"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["state"] == "visible"
    reply = as_alice.post(
        f"/api/papers/{the_paper.arxiv_id}/comments",
        {"body": "Because.", "parent": made.json()["id"]},
        content_type="application/json",
    )
    assert reply.status_code == 201
    assert (reply.json()["parent"], reply.json()["depth"]) == (made.json()["id"], 2)
    assert Comment.objects.count() == 2


def test_a_new_accounts_comment_is_held_and_not_listed(authed: Client, the_paper: Paper):
    made = authed.post(
        f"/api/papers/{the_paper.arxiv_id}/comments",
        {"body": "held words"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["state"] == "held"
    listed = Client().get(f"/api/papers/{the_paper.arxiv_id}/comments")
    assert "held words" not in listed.content.decode()


def test_posting_needs_a_token_and_a_body(the_paper: Paper, as_alice: Client):
    url = f"/api/papers/{the_paper.arxiv_id}/comments"
    anonymous = Client().post(url, {"body": "x"}, content_type="application/json")
    assert anonymous.status_code == 401
    empty = as_alice.post(url, {"body": "   "}, content_type="application/json")
    assert empty.status_code == 400
    assert empty.json()["detail"].startswith("body.body: String should match pattern")
    missing = as_alice.post(
        "/api/papers/2501.99999/comments", {"body": "x"}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_hostile_markdown_comes_back_inert(as_alice: Client, the_paper: Paper):
    made = as_alice.post(
        f"/api/papers/{the_paper.arxiv_id}/comments",
        {"body": HOSTILE},
        content_type="application/json",
    ).json()
    assert made["body"] == HOSTILE  # the source, as a JSON string
    assert "<script" not in made["html"]
    assert "<img" not in made["html"]
    assert "href" not in made["html"]


def test_edit_keeps_history_and_only_the_author_may(
    alice: User, as_alice: Client, as_bob: Client, the_paper: Paper
):
    mine = comment(the_paper, alice, "before")
    url = f"/api/comments/{mine.pk}"
    refused = as_bob.patch(url, {"body": "bob's"}, content_type="application/json")
    assert refused.status_code == 403
    done = as_alice.patch(url, {"body": "after"}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["body"] == "after"
    assert done.json()["edited_at"] is not None
    assert list(Revision.objects.values_list("body", flat=True)) == ["before"]


def test_delete_then_editing_is_a_conflict(alice: User, as_alice: Client, the_paper: Paper):
    mine = comment(the_paper, alice, "bye")
    assert as_alice.delete(f"/api/comments/{mine.pk}").status_code == 204
    mine.refresh_from_db()
    assert (mine.state, mine.body) == (State.DELETED, "")
    again = as_alice.patch(
        f"/api/comments/{mine.pk}", {"body": "back"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert Client().delete(f"/api/comments/{mine.pk}").status_code == 401
    assert as_alice.delete("/api/comments/999999").status_code == 404


def test_vote_sets_takes_back_and_toggles(alice: User, as_bob: Client, the_paper: Paper):
    theirs = comment(the_paper, alice, "good")
    url = f"/api/comments/{theirs.pk}/vote"
    voted = as_bob.post(url, {"voted": True}, content_type="application/json").json()
    assert voted == {"id": theirs.pk, "voted": True, "votes": 1}
    again = as_bob.post(url, {"voted": True}, content_type="application/json").json()
    assert again["votes"] == 1
    toggled = as_bob.post(url, content_type="application/json").json()
    assert toggled == {"id": theirs.pk, "voted": False, "votes": 0}
    assert not CommentVote.objects.exists()
    bad = as_bob.post(url, [1], content_type="application/json")
    assert bad.status_code == 400


def test_own_comment_cannot_be_voted_or_reported(alice: User, as_alice: Client, the_paper: Paper):
    mine = comment(the_paper, alice, "me")
    assert (
        as_alice.post(f"/api/comments/{mine.pk}/vote", content_type="application/json").status_code
        == 403
    )
    assert (
        as_alice.post(
            f"/api/comments/{mine.pk}/report", content_type="application/json"
        ).status_code
        == 403
    )


def test_report_with_a_reason(alice: User, bob: User, as_bob: Client, the_paper: Paper):
    theirs = comment(the_paper, alice, "ad")
    answer = as_bob.post(
        f"/api/comments/{theirs.pk}/report",
        {"reason": "spam", "note": "selling\nthings"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json() == {"comment": theirs.pk, "reason": "spam", "note": "selling things"}
    assert Report.objects.get().reporter == bob
    wrong = as_bob.post(
        f"/api/comments/{theirs.pk}/report", {"reason": "boring"}, content_type="application/json"
    )
    assert wrong.status_code == 400


def test_posting_is_rate_limited(as_alice: Client, the_paper: Paper, settings: Settings):
    settings.RATE_LIMIT_COMMENTS = "2/m"
    url = f"/api/papers/{the_paper.arxiv_id}/comments"
    codes = [
        as_alice.post(url, {"body": f"n{n}"}, content_type="application/json").status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]


def test_a_blocked_account_is_refused(alice: User, as_alice: Client, the_paper: Paper):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    answer = as_alice.post(
        f"/api/papers/{the_paper.arxiv_id}/comments", {"body": "x"}, content_type="application/json"
    )
    assert answer.status_code == 403


def test_num_comments_counts_visible_comments_in_one_query_per_list(alice: User):
    papers = [paper(title=f"P{n}") for n in range(6)]
    for n, p in enumerate(papers):
        for _ in range(n):
            comment(p, alice, "c")
    comment(papers[0], alice, "held", state=State.HELD)
    comment(papers[0], alice, "gone", state=State.DELETED)
    with CaptureQueriesContext(connection) as captured:
        items = Client().get("/api/daily_papers?date=2025-03-12&limit=100").json()
    assert sorted(item["numComments"] for item in items) == [0, 1, 2, 3, 4, 5]
    counting = [q for q in captured.captured_queries if 'FROM "discussion_comment"' in q["sql"]]
    assert len(counting) == 1
    detail = Client().get(f"/api/papers/{papers[3].arxiv_id}").json()
    assert detail["num_comments"] == 3
    assert Client().get(f"/api/papers/{papers[0].arxiv_id}").json()["num_comments"] == 0


def test_a_parent_elsewhere_is_404_and_one_that_cannot_be_answered_409(
    alice: User, as_alice: Client, the_paper: Paper
):
    url = f"/api/papers/{the_paper.arxiv_id}/comments"
    elsewhere = comment(paper(), alice, "elsewhere")
    held = comment(the_paper, alice, "held", state=State.HELD)
    for parent, status in [(elsewhere.pk, 404), (held.pk, 409), (987654, 404)]:
        answer = as_alice.post(
            url, {"body": "re", "parent": parent}, content_type="application/json"
        )
        assert answer.status_code == status, answer.json()


@pytest.mark.parametrize("path", ["/api/daily", "/api/trending", "/api/daily_papers"])
def test_every_list_counts_its_comments_in_one_query_whatever_its_length(
    path: str, alice: User, client: Client
):
    """A list of 3 papers and one of 12 make the same number of queries: comment counts are
    read for the whole list at once, never per paper."""

    def queries_for(count: int) -> tuple[int, list[int]]:
        Paper.objects.all().delete()
        papers = [paper(day=dt.date(2025, 3, 12), upvotes=n + 1) for n in range(count)]
        comment(papers[0], alice)
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(path, {"date": "2025-03-12"} if "daily" in path else {})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        items = body if isinstance(body, list) else body.get("papers") or body.get("items")
        counted = [(i["num_comments"] if "num_comments" in i else i["numComments"]) for i in items]
        return len(captured), counted

    few, few_counts = queries_for(3)
    many, many_counts = queries_for(12)
    assert sorted(few_counts) == [0, 0, 1]
    assert sorted(many_counts) == [0] * 11 + [1]
    assert many == few
