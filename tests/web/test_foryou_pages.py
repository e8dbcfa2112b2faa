"""/for-you: a period's papers ranked for the signed-in reader with why each is there;
dismiss / more / less like this; a collection's "more like this"; the cold-start page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire import foryou
from paperwire.catalogue.models import Paper
from paperwire.library import Kind, Mark, Reader, create_collection, save, set_public
from tests.factories import DAY, account, paper

pytestmark = pytest.mark.django_db

TOPICS = {
    "cs.CL": "language model translation of text",
    "cs.CV": "image segmentation of pixels",
    "cs.RO": "robot grasping with arms",
    "math.OC": "convex optimisation with constraints",
}

Catalogue = dict[str, Any]  # category -> papers of that category


@pytest.fixture
def catalogue() -> dict[str, list[Paper]]:
    """Five papers per topic on DAY, and five per topic a week before (the library)."""
    made: dict[str, list[Paper]] = {}
    for category, words in TOPICS.items():
        for n in range(5):
            for when in (DAY, DAY - dt.timedelta(days=7)):
                made.setdefault(category, []).append(
                    paper(
                        title=f"{words.title()} {n} {when:%d}",
                        abstract=f"We study {words}, part {n}.",
                        categories=[category],
                        primary_category=category,
                        day=when,
                    )
                )
    return made


def ready(user: User, liked: list[Paper]) -> None:
    for item in liked:
        save(user, item)
    foryou.retrain(user)  # the background task, run here


def test_anonymous_visitors_are_sent_to_sign_in(client: Client):
    for path in ("/for-you", "/for-you/start", "/for-you/collection/saved"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/code/")


def test_without_signals_it_says_what_to_do(client: Client, alice: User, catalogue: Catalogue):
    client.force_login(alice)
    page = client.get("/for-you")
    text = page.content.decode()
    assert 'id="no-signals"' in text
    for link in ('href="/for-you/start"', 'href="/library/import"', 'href="/"'):
        assert link in text
    assert "no-store" in page["Cache-Control"]


def test_with_fewer_than_three_positives_it_says_how_many_more(
    client: Client, alice: User, catalogue: Catalogue
):
    save(alice, catalogue["cs.CL"][1])
    client.force_login(alice)
    text = client.get("/for-you").content.decode()
    assert 'id="few-signals"' in text
    assert "save 2 more papers" in text


def test_a_ready_reader_gets_the_days_papers_ranked_with_reasons(
    client: Client, alice: User, catalogue: Catalogue
):
    ready(alice, catalogue["cs.CL"][1::2])  # last week's language papers
    client.force_login(alice)
    text = client.get("/for-you").content.decode()
    assert 'class="foryou-why"' in text
    listed = [p for p in Paper.objects.all() if f'id="fy-{p.pk}"' in text]
    assert listed
    assert {p.day for p in listed} == {DAY}  # the newest day that has papers
    first = text.index('id="fy-')
    top = next(p for p in listed if text.index(f'id="fy-{p.pk}"') == first)
    assert top.primary_category == "cs.CL"


def test_week_and_month_parameters_pick_the_period(
    client: Client, alice: User, catalogue: Catalogue
):
    ready(alice, catalogue["cs.CL"][1::2])
    client.force_login(alice)
    week = client.get("/for-you?week=2025-W11").content.decode()
    assert "week 11 of 2025" in week
    month = client.get("/for-you?month=2025-03").content.decode()
    earlier = dt.date(2025, 3, 5)  # in the month, not in the week of 12 March
    assert any(f'id="fy-{p.pk}"' in month for p in Paper.objects.filter(announced_on=earlier))
    assert not any(f'id="fy-{p.pk}"' in week for p in Paper.objects.filter(announced_on=earlier))


@pytest.mark.parametrize(
    "query", ["date=2025-13-01", "week=2025-W99", "month=x", "date=2025-03-12&week=2025-W11"]
)
def test_a_bad_period_is_one_clear_line(client: Client, alice: User, query: str):
    client.force_login(alice)
    response = client.get(f"/for-you?{query}")
    assert response.status_code == 400
    assert "Traceback" not in response.content.decode()


def test_dismiss_removes_the_item_and_is_a_not_interested_mark(
    client: Client, alice: User, catalogue: Catalogue
):
    ready(alice, catalogue["cs.CL"][1::2])
    client.force_login(alice)
    target = catalogue["cs.CL"][0]
    answer = client.post(
        "/for-you/feedback", {"paper": target.arxiv_id, "kind": "dismiss"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    assert answer.content == b""  # htmx swaps the item out
    assert Mark.objects.filter(user=alice, paper=target, kind=Kind.NOT_INTERESTED).exists()
    assert f'id="fy-{target.pk}"' not in client.get("/for-you").content.decode()


def test_feedback_without_javascript_goes_back(client: Client, alice: User, catalogue: Catalogue):
    client.force_login(alice)
    target = catalogue["cs.CV"][0]
    response = client.post(
        "/for-you/feedback",
        {"paper": target.arxiv_id, "kind": "more", "next": "/for-you?week=2025-W11"},
    )
    assert response["Location"] == "/for-you?week=2025-W11"
    offsite = client.post(
        "/for-you/feedback",
        {"paper": target.arxiv_id, "kind": "less", "next": "https://evil.example/"},
    )
    assert offsite["Location"] == "/for-you"
    kinds = set(Mark.objects.filter(user=alice, paper=target).values_list("kind", flat=True))
    assert kinds == {Kind.LESS}  # the newer of more / less stands


def test_more_like_this_answers_htmx_with_the_buttons(
    client: Client, alice: User, catalogue: Catalogue
):
    client.force_login(alice)
    target = catalogue["cs.RO"][0]
    answer = client.post(
        "/for-you/feedback", {"paper": target.arxiv_id, "kind": "more"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Noted: more like this" in answer
    assert 'value="less"' in answer


def test_unknown_feedback_is_refused(client: Client, alice: User, catalogue: Catalogue):
    client.force_login(alice)
    response = client.post("/for-you/feedback", {"paper": "2501.99999", "kind": "dismiss"})
    assert response.status_code == 400
    response = client.post(
        "/for-you/feedback", {"paper": catalogue["cs.CL"][0].arxiv_id, "kind": "love"}
    )
    assert response.status_code == 400
    assert not Mark.objects.exists()


def test_more_like_a_collection_is_for_its_owner_only(
    client: Client, alice: User, catalogue: Catalogue
):
    shelf = create_collection(alice, "Robots & <arms>")
    for item in catalogue["cs.RO"][1::2]:
        save(alice, item, shelf)
    client.force_login(alice)
    page = client.get(f"/for-you/collection/{shelf.slug}")
    assert page.status_code == 200
    assert "Robots &amp; &lt;arms&gt;" in page.content.decode()
    set_public(shelf, True)
    client.force_login(account("bob@example.org"))
    assert client.get(f"/for-you/collection/{shelf.slug}").status_code == 404
    assert client.get("/for-you/collection/no-such-thing").status_code == 404


def test_the_start_page_offers_categories_and_diverse_recent_papers(
    client: Client, alice: User, catalogue: Catalogue
):
    client.force_login(alice)
    text = client.get("/for-you/start").content.decode()
    for category in TOPICS:
        assert f'value="{category}"' in text
    assert 'href="/library/import"' in text
    shown = [p for p in Paper.objects.all() if f'id="start-{p.pk}"' in text]
    assert 4 <= len(shown) <= 20
    assert {p.primary_category for p in shown} == set(TOPICS)  # every topic, not the top one


def test_chosen_categories_are_pinned_and_narrow_the_papers(
    client: Client, alice: User, catalogue: Catalogue
):
    client.force_login(alice)
    client.post("/for-you/start", {"cat": ["cs.RO", "cs.CV", "<script>"]})
    assert Reader.objects.get(user=alice).filters == {"cat": "cs.CV,cs.RO"}
    text = client.get("/for-you/start").content.decode()
    shown = [p for p in Paper.objects.all() if f'id="start-{p.pk}"' in text]
    assert {p.primary_category for p in shown} == {"cs.CV", "cs.RO"}
    client.post("/for-you/start", {})
    assert "cat" not in Reader.objects.get(user=alice).filters


def test_three_interested_papers_on_the_start_page_give_a_ranking(
    client: Client, alice: User, catalogue: Catalogue
):
    client.force_login(alice)
    liked = catalogue["cs.CL"][:3]
    for n, item in enumerate(liked, 1):
        answer = client.post(
            "/for-you/start/mark",
            {"paper": item.arxiv_id, "choice": "interested"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert "Saved ✓" in answer
        assert f"{n} of 3 saved" in answer or "see your ranking" in answer
    client.post(
        "/for-you/start/mark", {"paper": catalogue["cs.CV"][0].arxiv_id, "choice": "not_interested"}
    )
    assert Mark.objects.filter(user=alice, kind=Kind.NOT_INTERESTED).count() == 1
    assert Reader.objects.get(user=alice).onboarded
    foryou.retrain(alice)
    assert 'class="foryou-why"' in client.get("/for-you").content.decode()


def test_done_marks_the_reader_onboarded(client: Client, alice: User):
    client.force_login(alice)
    assert client.post("/for-you/start/done")["Location"] == "/for-you"
    assert Reader.objects.get(user=alice).onboarded


def test_the_for_you_feed_ranks_for_the_reader_its_signed_address_names(
    client: Client, alice: User, catalogue: Catalogue
):
    from defusedxml import ElementTree

    from paperwire.library import reader_feed_token, rotate_feed_key

    ready(alice, catalogue["cs.RO"][1::2])
    token = reader_feed_token(alice)
    answer = client.get(f"/for-you/feed/{token}.rss")  # no session: the address is the key
    assert answer.status_code == 200
    assert "no-cache" in answer["Cache-Control"] or "no-store" in answer["Cache-Control"]
    items = ElementTree.fromstring(answer.content).findall("./channel/item")
    assert items
    assert "Robot Grasping" in items[0].findtext("title", "")
    assert "Why: " in items[0].findtext("description", "")

    client.force_login(alice)
    assert f"/for-you/feed/{token}.rss" in client.get("/for-you").content.decode()
    filtered = client.get(f"/for-you/feed/{token}.atom?cat=cs.CL")
    assert filtered.status_code == 200
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ElementTree.fromstring(filtered.content).findall(f"{atom}entry")
    titles = [entry.findtext(f"{atom}title", "") for entry in entries]
    assert titles
    assert not any("Robot Grasping" in title for title in titles)  # only cs.CL

    bob = account("bob@example.org")
    bobs = client.get(f"/for-you/feed/{reader_feed_token(bob)}.rss")
    assert bobs.status_code == 200
    assert b"Robot Grasping" not in bobs.content  # bob has no signals: no ranking
    _, _, sig = token.partition(".")
    assert client.get(f"/for-you/feed/{bob.pk}.{sig}.rss").status_code == 404  # forged
    rotate_feed_key(alice)
    assert client.get(f"/for-you/feed/{token}.rss").status_code == 404  # revoked
