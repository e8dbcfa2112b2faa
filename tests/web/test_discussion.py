"""The discussion on the site: the thread on the paper page, posting and replying (with htmx
and without), edit and history, delete, votes, reports, held comments that only their author
sees (never another reader, never the anonymous page cache), and the comments' feeds."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as ET
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from paperwire.discussion import Comment, CommentVote, Report, State
from tests.factories import account, comment, paper

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
HOSTILE = (
    "<script>alert('x')</script> <img src=x onerror=alert(1)> "
    "[click](javascript:alert(1)) <style>body{display:none}</style>"
)


@pytest.fixture
def newcomer() -> User:
    """An account made a minute ago: its comments are held (COMMENT_HOLD_HOURS is 24)."""
    return account("new@example.org", age=dt.timedelta(minutes=1))


@pytest.fixture
def the_paper() -> Paper:
    return paper("2501.00042", "Attention with $O(n)$ memory")


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def page_of(client: Client, p: Paper) -> str:
    response = client.get(f"/papers/{p.arxiv_id}")
    assert response.status_code == 200
    return response.content.decode()


def test_a_comment_with_maths_is_posted_without_javascript_and_shown_on_the_paper_page(
    alice: User, the_paper: Paper
):
    browser = signed_in(alice)
    response = browser.post(
        f"/papers/{the_paper.arxiv_id}/comments", {"body": "Nice bound: $\\sum_i x_i < 1$."}
    )
    made = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{the_paper.arxiv_id}#comment-{made.pk}"
    html = page_of(browser, the_paper)
    assert f'id="comment-{made.pk}"' in html
    # The formula is an element KaTeX's auto-render typesets (site.js renders ".math").
    assert '<span class="math">\\(\\sum_i x_i &lt; 1\\)</span>' in html
    assert "Your comment is posted." in html
    assert 'Discussion <span class="count">(1)</span>' in html


def test_with_htmx_the_answer_is_the_discussion_itself(alice: User, the_paper: Paper):
    response = signed_in(alice).post(
        f"/papers/{the_paper.arxiv_id}/comments", {"body": "First!"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "First!" in html
    assert "Your comment is posted." in html


def test_an_empty_comment_is_refused_with_one_line_on_the_page(alice: User, the_paper: Paper):
    browser = signed_in(alice)
    answer = browser.post(
        f"/papers/{the_paper.arxiv_id}/comments", {"body": "   "}, headers=HTMX
    ).content.decode()
    assert "the comment is empty: write something" in answer
    redirected = browser.post(f"/papers/{the_paper.arxiv_id}/comments", {"body": ""}, follow=True)
    assert "the comment is empty: write something" in redirected.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in_and_see_no_forms(the_paper: Paper, alice: User):
    comment(the_paper, alice, "Hello")
    response = Client().post(f"/papers/{the_paper.arxiv_id}/comments", {"body": "hi"})
    assert response.status_code == 302
    assert "login" in response["Location"]
    html = page_of(Client(), the_paper)
    assert "Hello" in html
    assert "Sign in</a> to join the discussion" in html
    assert "csrfmiddlewaretoken" not in html
    assert Comment.objects.count() == 1


def test_replies_nest_and_a_reply_below_depth_four_stays_at_four(
    alice: User, bob: User, the_paper: Paper
):
    browser = signed_in(bob)
    parent = comment(the_paper, alice, "root")
    for n in range(5):
        browser.post(
            f"/papers/{the_paper.arxiv_id}/comments", {"body": f"reply {n}", "parent": parent.pk}
        )
        parent = Comment.objects.latest("pk")
    depths = list(Comment.objects.order_by("pk").values_list("depth", flat=True))
    assert depths == [1, 2, 3, 4, 4, 4]
    html = page_of(browser, the_paper)
    assert html.count("depth-4") == 3
    assert "replying to bob" in html  # a reply shown at its parent's depth says whom it answers
    # Reading order: each comment, then its replies.
    assert [html.index(f"reply {n}") for n in range(5)] == sorted(
        html.index(f"reply {n}") for n in range(5)
    )


def test_a_reply_must_be_to_a_comment_on_the_same_paper(alice: User, the_paper: Paper):
    other = comment(paper(), alice, "elsewhere")
    answer = signed_in(alice).post(
        f"/papers/{the_paper.arxiv_id}/comments",
        {"body": "x", "parent": other.pk},
        headers=HTMX,
    )
    assert f"comment {other.pk} is not about {the_paper.arxiv_id}" in answer.content.decode()


def test_edit_keeps_the_history_and_the_history_page_shows_every_version(
    alice: User, the_paper: Paper
):
    mine = comment(the_paper, alice, "first *draft*")
    browser = signed_in(alice)
    browser.post(f"/comments/{mine.pk}/edit", {"body": "second"})
    browser.post(f"/comments/{mine.pk}/edit", {"body": "third $x$"})
    html = page_of(Client(), the_paper)
    assert "third" in html
    assert f'href="/comments/{mine.pk}/history"' in html
    history = Client().get(f"/comments/{mine.pk}/history").content.decode()
    assert history.index("third") < history.index("second") < history.index("first")
    assert "<em>draft</em>" in history


def test_only_the_author_can_edit_or_delete(alice: User, bob: User, the_paper: Paper):
    mine = comment(the_paper, alice, "mine")
    browser = signed_in(bob)
    answer = browser.post(f"/comments/{mine.pk}/edit", {"body": "yours"}, headers=HTMX)
    assert f"only its author can edit comment {mine.pk}" in answer.content.decode()
    browser.post(f"/comments/{mine.pk}/delete", headers=HTMX)
    mine.refresh_from_db()
    assert (mine.body, mine.state) == ("mine", State.VISIBLE)


def test_a_deleted_comment_with_replies_stays_as_a_placeholder(
    alice: User, bob: User, the_paper: Paper
):
    first = comment(the_paper, alice, "secret words")
    comment(the_paper, bob, "a reply", parent=first)
    lonely = comment(the_paper, alice, "lonely words")
    browser = signed_in(alice)
    browser.post(f"/comments/{first.pk}/delete")
    browser.post(f"/comments/{lonely.pk}/delete")
    html = page_of(Client(), the_paper)
    assert "[deleted]" in html
    assert "a reply" in html
    assert "secret words" not in html
    assert "lonely words" not in html
    assert f'id="comment-{lonely.pk}"' not in html
    assert Client().get(f"/comments/{first.pk}/history").status_code == 404


def test_upvote_toggles_and_the_count_follows(alice: User, bob: User, the_paper: Paper):
    theirs = comment(the_paper, alice, "vote for me")
    browser = signed_in(bob)
    html = browser.post(f"/comments/{theirs.pk}/vote", {"voted": "1"}, headers=HTMX)
    assert 'aria-pressed="true"' in html.content.decode()
    theirs.refresh_from_db()
    assert theirs.votes == 1
    assert CommentVote.objects.count() == 1
    browser.post(f"/comments/{theirs.pk}/vote", {"voted": "1"})  # twice is still one vote
    theirs.refresh_from_db()
    assert theirs.votes == 1
    browser.post(f"/comments/{theirs.pk}/vote", {"voted": "0"})
    theirs.refresh_from_db()
    assert theirs.votes == 0
    assert not CommentVote.objects.exists()


def test_a_report_reaches_the_moderators(alice: User, bob: User, the_paper: Paper):
    theirs = comment(the_paper, alice, "buy pills")
    answer = signed_in(bob).post(
        f"/comments/{theirs.pk}/report", {"reason": "spam", "note": "an ad"}, headers=HTMX
    )
    assert "the moderators will look at this comment" in answer.content.decode()
    report = Report.objects.get()
    assert (report.reason, report.note, report.reporter, report.resolved) == (
        "spam", "an ad", bob, False
    )  # fmt: skip


def test_a_held_comment_is_seen_by_its_author_only(newcomer: User, alice: User, the_paper: Paper):
    browser = signed_in(newcomer)
    response = browser.post(
        f"/papers/{the_paper.arxiv_id}/comments", {"body": "held words"}, follow=True
    )
    assert "waiting for a moderator" in response.content.decode()
    assert Comment.objects.get().state == State.HELD
    assert "held words" in page_of(browser, the_paper)
    assert "held words" not in page_of(signed_in(alice), the_paper)
    assert "held words" not in page_of(Client(), the_paper)
    assert (
        "held words"
        not in Client().get(f"/papers/{the_paper.arxiv_id}/comments", headers=HTMX).content.decode()
    )
    assert Client().get(f"/comments/{Comment.objects.get().pk}/history").status_code == 404


def test_the_anonymous_page_cache_never_holds_a_held_comment(
    newcomer: User, the_paper: Paper, settings: Settings
):
    """The author's page is rendered for them (signed in: never cached); the anonymous copy
    that is cached was rendered without the held comment, and stays so once stored."""
    settings.PAGE_CACHE_SECONDS = 30
    browser = signed_in(newcomer)
    browser.post(f"/papers/{the_paper.arxiv_id}/comments", {"body": "held words"})
    assert "held words" in page_of(browser, the_paper)
    first = page_of(Client(), the_paper)  # stored in the cache now
    again = page_of(Client(), the_paper)  # from the cache
    assert "held words" not in first
    assert first == again


def test_a_blocked_account_cannot_post(alice: User, the_paper: Paper):
    browser = signed_in(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    browser.post(f"/papers/{the_paper.arxiv_id}/comments", {"body": "still here"})
    assert not Comment.objects.exists()


def test_posting_is_rate_limited(alice: User, the_paper: Paper, settings: Settings):
    settings.RATE_LIMIT_COMMENTS = "2/m"
    browser = signed_in(alice)
    codes = [
        browser.post(f"/papers/{the_paper.arxiv_id}/comments", {"body": f"n{n}"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Comment.objects.count() == 2


def test_hostile_markup_is_inert_on_the_page(alice: User, the_paper: Paper):
    comment(the_paper, alice, HOSTILE)
    html = page_of(Client(), the_paper)
    body = html[html.index('class="comment-body"') :]
    body = body[: body.index("</div>")]
    assert "<script" not in body
    assert "<img" not in body
    assert "<style" not in body
    assert "javascript:" not in body.replace("[click](javascript:alert(1))", "")
    assert "&lt;script&gt;" in body


def test_fifty_comments_render_in_as_many_queries_as_two(
    alice: User, bob: User, the_paper: Paper, settings: Settings
):
    """A real thread shape (replies under earlier comments, depth up to 4): the page's
    queries do not grow with the thread; the discussion's own are one (anonymous) or two
    (a reader: the comments with their authors, and the reader's votes)."""

    def queries(client: Client, expect: int) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            html = page_of(client, the_paper)
        assert html.count('class="comment ') == expect
        return [q["sql"] for q in captured.captured_queries]

    settings.PAGE_CACHE_SECONDS = 0  # every anonymous page rendered, to count its queries
    signed = signed_in(bob)
    made: list[Comment] = []
    for n in range(50):
        parent = made[-1 - n % 2] if len(made) > 1 and n % 5 else None
        made.append(comment(the_paper, alice if n % 2 else bob, f"c{n}", parent=parent))
        if n == 1:
            page_of(signed, the_paper)  # warm: sessions, content types
            few_anonymous, few_reader = queries(Client(), 2), queries(signed, 2)
    assert {c.depth for c in made} == {1, 2, 3, 4}
    many_anonymous, many_reader = queries(Client(), 50), queries(signed, 50)
    assert len(many_anonymous) == len(few_anonymous)
    assert len(many_reader) == len(few_reader)
    assert len([q for q in many_anonymous if 'FROM "discussion_' in q]) == 1
    assert len([q for q in many_reader if 'FROM "discussion_' in q]) == 2


def test_the_feeds_list_visible_comments_with_hostile_content_escaped(
    alice: User, newcomer: User, the_paper: Paper
):
    comment(the_paper, alice, "Visible $x$ " + HOSTILE)
    comment(the_paper, newcomer, "held words", state=State.HELD)
    comment(the_paper, alice, "hidden words", state=State.HIDDEN)
    rss = Client().get(f"/papers/{the_paper.arxiv_id}/comments.rss")
    assert rss.status_code == 200
    assert rss["Content-Type"].startswith("application/rss+xml")
    tree = ET.fromstring(rss.content)
    items = tree.findall("./channel/item")
    assert len(items) == 1
    description = items[0].findtext("description") or ""
    # The text of the description is sanitised HTML: no script, handler or javascript link.
    assert "&lt;script&gt;" in description
    assert "&lt;img src=x onerror" in description
    for tag in ("<script", "<img", "<style", "<a"):
        assert tag not in description
    assert "held words" not in rss.content.decode()
    assert "hidden words" not in rss.content.decode()
    atom = Client().get(f"/papers/{the_paper.arxiv_id}/comments.atom")
    assert atom.status_code == 200
    assert b"<feed" in atom.content
    assert Client().get("/papers/2501.99999/comments.rss").status_code == 404


def test_old_style_ids_have_a_discussion_too(alice: User):
    old = paper("hep-th/9901001", "Strings")
    browser = signed_in(alice)
    browser.post("/papers/hep-th/9901001/comments", {"body": "classic"})
    assert Comment.objects.get().paper == old
    assert Client().get("/papers/hep-th/9901001/comments.rss").status_code == 200
    assert "classic" in page_of(Client(), old)
