"""/api/papers/{id}/feedback and /api/for-you: what a reader says of papers, and the period's
papers ranked for them. Alice's feedback and ranking are never Bob's."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.catalogue.models import Paper
from paperwire.library import Kind, Mark, mark, save
from tests.factories import DAY, paper


def feedback(client: Client, arxiv_id: str, body: Any) -> Any:
    return client.post(
        f"/api/papers/{arxiv_id}/feedback", data=json.dumps(body), content_type="application/json"
    )


def marks(user: User) -> set[tuple[str, str, str]]:
    return set(Mark.objects.filter(user=user).values_list("paper__arxiv_id", "kind", "source"))


# -- feedback ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["more", "less", "not_interested", "read"])
def test_it_records_feedback_as_coming_from_the_api(alice, as_alice, kind):
    paper("2501.00042")
    response = feedback(as_alice, "2501.00042v3", {"kind": kind})
    assert response.status_code == 200
    assert response.json() == {"id": "2501.00042", "marks": [kind]}
    assert marks(alice) == {("2501.00042", kind, "api")}


def test_feedback_twice_changes_nothing(alice, as_alice):
    paper("2501.00042")
    feedback(as_alice, "2501.00042", {"kind": "read"})
    again = feedback(as_alice, "2501.00042", {"kind": "read"})
    assert again.json()["marks"] == ["read"]
    assert Mark.objects.filter(user=alice).count() == 1


def test_more_replaces_less_and_the_answer_lists_everything_said(alice, as_alice):
    paper("2501.00042")
    feedback(as_alice, "2501.00042", {"kind": "less"})
    feedback(as_alice, "2501.00042", {"kind": "read"})
    answer = feedback(as_alice, "2501.00042", {"kind": "more"}).json()
    assert answer["marks"] == ["more", "read"]
    assert {kind for _, kind, _ in marks(alice)} == {"more", "read"}


def test_it_takes_feedback_back(alice, as_alice):
    p = paper("2501.00042")
    mark(alice, p, Kind.NOT_INTERESTED)
    mark(alice, p, Kind.READ)
    response = as_alice.delete("/api/papers/2501.00042/feedback?kind=not_interested")
    assert response.status_code == 200
    assert response.json() == {"id": "2501.00042", "marks": ["read"]}
    # Taking back what was never said is no error: the answer says what stands.
    again = as_alice.delete("/api/papers/2501.00042/feedback?kind=more")
    assert again.status_code == 200
    assert again.json()["marks"] == ["read"]


@pytest.mark.parametrize(
    "body", [{}, {"kind": "save"}, {"kind": "MORE"}, {"kind": None}, [], {"kind": ["more"]}]
)
def test_feedback_of_an_unknown_kind_is_refused(alice, as_alice, body):
    paper("2501.00042")
    response = feedback(as_alice, "2501.00042", body)
    assert response.status_code == 400
    assert not Mark.objects.exists()


@pytest.mark.parametrize("query", ["", "?kind=save", "?kind=everything"])
def test_taking_back_needs_a_known_kind(as_alice, query):
    paper("2501.00042")
    assert as_alice.delete(f"/api/papers/2501.00042/feedback{query}").status_code == 400


def test_feedback_on_an_unknown_or_hidden_paper_is_404(as_alice):
    paper("2501.00042", hidden=True)
    assert feedback(as_alice, "2501.00042", {"kind": "more"}).status_code == 404
    assert feedback(as_alice, "2501.09999", {"kind": "more"}).status_code == 404
    assert feedback(as_alice, "nonsense", {"kind": "more"}).status_code == 404
    assert not Mark.objects.exists()


def test_an_old_style_id_takes_feedback(alice, as_alice):
    paper("hep-th/9901001")
    response = feedback(as_alice, "hep-th/9901001", {"kind": "more"})
    assert response.status_code == 200
    assert response.json()["id"] == "hep-th/9901001"


def test_bobs_feedback_is_his_alone(alice, bob, as_bob):
    p = paper("2501.00042")
    mark(alice, p, Kind.MORE)
    mark(alice, p, Kind.READ)
    answer = feedback(as_bob, "2501.00042", {"kind": "less"}).json()
    assert answer["marks"] == ["less"]  # Alice's marks are not in Bob's answer
    assert as_bob.delete("/api/papers/2501.00042/feedback?kind=more").json()["marks"] == ["less"]
    assert {kind for _, kind, _ in marks(alice)} == {"more", "read"}  # nor changed by him


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/papers/2501.00042/feedback"),
        ("DELETE", "/api/papers/2501.00042/feedback?kind=more"),
        ("GET", "/api/for-you"),
    ],
)
def test_without_a_token_it_answers_401_with_the_scheme(client, method, path):
    paper("2501.00042")
    kwargs: dict[str, Any] = {}
    if method == "POST":
        kwargs = {"data": '{"kind": "more"}', "content_type": "application/json"}
    response = getattr(client, method.lower())(path, **kwargs)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="paperwire"'
    assert not Mark.objects.exists()


# -- for you ----------------------------------------------------------------------------

TOPICS = {
    "cs.CL": "language model translation of text",
    "cs.CV": "image segmentation of pixels",
    "cs.RO": "robot grasping with arms",
    "math.OC": "convex optimisation with constraints",
}
LIBRARY_DAY = DAY - dt.timedelta(days=7)


@pytest.fixture
def catalogue() -> dict[str, list[Paper]]:
    """Five papers per topic on DAY (the newest day), five per topic a week before."""
    made: dict[str, list[Paper]] = {}
    for category, words in TOPICS.items():
        for n in range(5):
            for when in (DAY, LIBRARY_DAY):
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


def likes(user: User, papers: list[Paper]) -> None:
    """The reader saves the earlier papers of a topic; the ranking is trained (the
    background task's work, done here)."""
    from paperwire import foryou

    for item in papers:
        if item.day == LIBRARY_DAY:
            save(user, item)
    foryou.retrain(user)


def test_without_signals_it_answers_empty_items_and_what_to_do(as_alice, catalogue):
    response = as_alice.get("/api/for-you")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "no_signals"
    assert answer["items"] == []
    assert "save" in answer["message"]
    assert answer["period"] == {
        "kind": "day",
        "slug": DAY.isoformat(),
        "first": DAY.isoformat(),
        "last": DAY.isoformat(),
    }


def test_with_fewer_than_three_positives_it_says_so(alice, as_alice, catalogue):
    save(alice, catalogue["cs.CL"][1])
    answer = as_alice.get("/api/for-you").json()
    assert answer["status"] == "few_signals"
    assert answer["items"] == []


def test_it_ranks_the_newest_day_for_the_reader_with_scores_and_why(alice, as_alice, catalogue):
    likes(alice, catalogue["cs.CL"])
    answer = as_alice.get("/api/for-you?limit=5").json()
    assert answer["status"] == "ready"
    items = answer["items"]
    assert len(items) == 5
    day_ids = {p.arxiv_id for ps in catalogue.values() for p in ps if p.day == DAY}
    assert {item["id"] for item in items} <= day_ids
    assert items[0]["categories"] == ["cs.CL"]
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert all(item["why"] and all(isinstance(w, str) for w in item["why"]) for item in items)
    assert all(item["title"] for item in items)


def test_it_ranks_a_week_or_a_month(alice, as_alice, catalogue):
    likes(alice, catalogue["cs.CV"])
    week = as_alice.get("/api/for-you?week=2025-W11&limit=100").json()
    assert week["period"]["kind"] == "week"
    assert week["period"]["slug"] == "2025-W11"
    assert week["items"]
    month = as_alice.get("/api/for-you?month=2025-03&limit=100").json()
    assert month["period"]["first"] == "2025-03-01"
    # The month holds both weeks' papers; the saved ones are the reader's already.
    assert len(month["items"]) >= len(week["items"])


def test_a_day_without_papers_ranks_nothing(alice, as_alice, catalogue):
    likes(alice, catalogue["cs.CV"])
    answer = as_alice.get("/api/for-you?date=2025-03-15").json()
    assert answer["status"] == "ready"
    assert answer["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "date=2025-03-12&week=2025-W11",
        "date=2025-3-12",
        "week=2025W11",
        "month=2025-13",
        "limit=0",
        "limit=101",
        "cat=not a category",
        "hide=everything",
    ],
)
def test_bad_parameters_are_one_line_400s(as_alice, catalogue, query):
    response = as_alice.get(f"/api/for-you?{query}")
    assert response.status_code == 400
    assert "\n" not in response.json()["detail"]


def test_it_takes_the_list_filters(alice, as_alice, catalogue):
    likes(alice, catalogue["cs.CL"])
    only = as_alice.get("/api/for-you?cat=math&limit=100").json()["items"]
    assert only
    assert {tuple(item["categories"]) for item in only} == {("math.OC",)}
    top = as_alice.get("/api/for-you?limit=1").json()["items"][0]
    mark(alice, Paper.objects.get(arxiv_id=top["id"]), Kind.READ)
    hidden = as_alice.get("/api/for-you?hide=read&limit=100").json()["items"]
    assert top["id"] not in {item["id"] for item in hidden}


def test_alices_ranking_is_hers_and_bobs_is_his(alice, bob, as_alice, as_bob, catalogue):
    likes(alice, catalogue["cs.CL"])
    likes(bob, catalogue["cs.RO"])
    alices = as_alice.get("/api/for-you?limit=3").json()["items"]
    bobs = as_bob.get("/api/for-you?limit=3").json()["items"]
    assert {tuple(i["categories"]) for i in alices} == {("cs.CL",)}
    assert {tuple(i["categories"]) for i in bobs} == {("cs.RO",)}
    # Why Bob sees a paper never names what Alice saved.
    alices_titles = {p.title for p in catalogue["cs.CL"] if p.day == LIBRARY_DAY}
    bobs_text = json.dumps(as_bob.get("/api/for-you?limit=100").json())
    assert not any(title in bobs_text for title in alices_titles)


def test_the_document_declares_feedback_and_for_you(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/papers/{arxiv_id}/feedback"]) == {"post", "delete"}
    operation = paths["/api/for-you"]["get"]
    assert operation["x-dependencies"] == ["ZeroOrOne(date, week, month)"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"date", "week", "month", "limit", "cat", "exclude", "hide", "listing"}
    for op in (operation, *paths["/api/papers/{arxiv_id}/feedback"].values()):
        assert op["security"] == [{"TokenAuth": []}]
        assert "401" in op["responses"]
