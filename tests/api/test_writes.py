"""Upvote and submit with a bearer token; tokens for signed-in sessions; rate limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from paperwire.community.models import ApiToken, Vote


@pytest.fixture(autouse=True)
def _papers_of_any_age(settings: Settings) -> None:
    """These tests submit papers from the suite's 2025 days: the age rule is tested with the
    other submission rules (tests/community/test_submission_rules.py)."""
    settings.SUBMISSION_MAX_AGE_DAYS = 36_500


pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: object = None, **extra: Any):
    """POST JSON; no body at all when ``body`` is None (as ``curl -X POST`` sends)."""
    data = "" if body is None else body
    return client.post(path, data, content_type="application/json", **extra)


def test_upvote_toggles_without_a_body(authed: Client, make_paper, user):
    paper = make_paper(arxiv_id="2501.00001", upvotes=10)
    first = _post(authed, "/api/papers/2501.00001/upvote")
    assert first.status_code == 200
    assert first.json() == {"id": "2501.00001", "voted": True, "upvotes": 11}
    assert Vote.objects.filter(user=user, paper=paper).exists()
    second = _post(authed, "/api/papers/2501.00001/upvote")
    assert second.json() == {"id": "2501.00001", "voted": False, "upvotes": 10}


def test_upvote_sets_when_told(authed: Client, make_paper):
    make_paper(arxiv_id="hep-th/9901001")
    for _ in range(2):  # idempotent
        body = _post(authed, "/api/papers/hep-th/9901001v2/upvote", {"voted": True}).json()
        assert body == {"id": "hep-th/9901001", "voted": True, "upvotes": 1}
    body = _post(authed, "/api/papers/hep-th/9901001/upvote", {"voted": False}).json()
    assert body == {"id": "hep-th/9901001", "voted": False, "upvotes": 0}
    assert _post(authed, "/api/papers/hep-th/9901001/upvote", {}).json()["voted"] is True


def test_upvote_of_an_unknown_or_hidden_paper_is_a_404(authed: Client, make_paper):
    make_paper(arxiv_id="2501.00001", hidden=True)
    assert _post(authed, "/api/papers/2501.00001/upvote").status_code == 404
    assert _post(authed, "/api/papers/2501.00002/upvote").status_code == 404
    assert _post(authed, "/api/papers/nonsense/upvote").status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"voted": "perhaps"}', "application/json"),
        ('{"voted": [1]}', "application/json"),
        ("[1, 2]", "application/json"),
        ('"true"', "application/json"),
        ("voted=true", "application/x-www-form-urlencoded"),
        ("\x00\xff", "application/octet-stream"),
    ],
)
def test_upvote_with_a_bad_body_is_a_400(authed: Client, make_paper, body, content_type):
    make_paper(arxiv_id="2501.00001")
    response = authed.post("/api/papers/2501.00001/upvote", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_writes_need_a_valid_token(client: Client, make_paper):
    make_paper(arxiv_id="2501.00001")
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer pw_not-a-real-token"},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Authorization": "Bearer \x01\x02'; --"},
    ):
        for path, body in (
            ("/api/papers/2501.00001/upvote", None),
            ("/api/submit", {"paper": "x"}),
        ):
            response = _post(client, path, body, headers=headers)
            assert response.status_code == 401, (headers, response.content)
            assert response.json()["detail"]
            assert response["WWW-Authenticate"].startswith("Bearer")
    assert Paper.objects.get(arxiv_id="2501.00001").votes == 0


def test_a_blocked_accounts_token_is_refused(authed: Client, make_paper, user):
    make_paper(arxiv_id="2501.00001")
    user.is_active = False
    user.save()
    response = _post(authed, "/api/papers/2501.00001/upvote")
    assert response.status_code == 403
    assert "blocked" in response.json()["detail"]


def test_a_used_token_records_when(authed: Client, make_paper, user):
    make_paper(arxiv_id="2501.00001")
    before = timezone.now()
    _post(authed, "/api/papers/2501.00001/upvote")
    token = ApiToken.objects.get(user=user)
    assert token.last_used_at is not None
    assert token.last_used_at >= before


def test_votes_are_rate_limited_per_account(authed: Client, make_paper, settings, token):
    settings.RATE_LIMIT_VOTES = "3/m"
    make_paper(arxiv_id="2501.00001")
    statuses = [_post(authed, "/api/papers/2501.00001/upvote").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = _post(authed, "/api/papers/2501.00001/upvote")
    assert limited.status_code == 429
    assert "3/m" in limited.json()["detail"]
    assert int(limited["Retry-After"]) >= 1
    # Another account has its own budget.
    other = get_user_model().objects.create_user(
        username="other", email="other@example.org", password=None
    )
    raw = ApiToken.issue(other)[1]
    response = _post(
        Client(), "/api/papers/2501.00001/upvote", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200


def test_submit_puts_a_catalogued_paper_on_todays_list(authed: Client, make_paper):
    make_paper(arxiv_id="2501.00001", title="<b>Bold</b>")
    response = _post(authed, "/api/submit", {"paper": "https://arxiv.org/abs/2501.00001v3"})
    assert response.status_code == 201
    body = response.json()
    assert body["day"] == timezone.localdate().isoformat()
    assert body["fetched"] is False
    assert body["paper"]["id"] == "2501.00001"
    assert body["paper"]["title"] == "<b>Bold</b>"
    assert body["paper"]["submitted_by"] == "reader"
    again = _post(authed, "/api/submit", {"paper": "2501.00001"})
    assert again.status_code == 400
    assert "already submitted" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"paper": ""}, "arXiv id"),
        ({"paper": "not an id"}, "not an arXiv id"),
        ({"paper": "x" * 3000}, "paper"),
        ({"paper": 2501.00001}, "paper"),
        ({"paper": None}, "paper"),
        ({}, "paper"),
        ({"paper": "\x00'; DROP TABLE catalogue_paper; --"}, "not an arXiv id"),
    ],
)
def test_submit_refuses_what_is_not_a_paper(authed: Client, body, words):
    response = _post(authed, "/api/submit", body)
    assert response.status_code == 400
    assert words in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("", "application/json"),
        ("{", "application/json"),
        ("paper=2501.00001", "application/x-www-form-urlencoded"),
        ("<paper>2501.00001</paper>", "text/xml"),
    ],
)
def test_submit_needs_a_json_body(authed: Client, body, content_type):
    response = authed.post("/api/submit", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_submitting_a_hidden_paper_is_refused(authed: Client, make_paper):
    make_paper(arxiv_id="2501.00001", hidden=True)
    response = _post(authed, "/api/submit", {"paper": "2501.00001"})
    assert response.status_code == 400
    assert "hidden" in response.json()["detail"]


def test_a_new_paper_that_arxiv_cannot_be_asked_about_is_a_400(authed: Client, settings):
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # nothing listens on port 9
    settings.ARXIV_REQUEST_INTERVAL = 0
    response = _post(authed, "/api/submit", {"paper": "2501.09999"})
    assert response.status_code == 400
    assert "arXiv could not be asked" in response.json()["detail"]


def test_submissions_are_rate_limited(authed: Client, settings):
    settings.RATE_LIMIT_SUBMISSIONS = "2/h"
    statuses = [_post(authed, "/api/submit", {"paper": "junk"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


# -- tokens ---------------------------------------------------------------------------------


@pytest.fixture
def session(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf(client: Client) -> str:
    client.get("/api/docs")  # the docs page carries the CSRF token, as any page does
    return client.cookies["csrftoken"].value


def test_a_signed_in_user_makes_a_token_that_works(session: Client, make_paper, user):
    make_paper(arxiv_id="2501.00001")
    response = session.post(
        "/api/tokens",
        {"name": "my\x00 laptop"},
        content_type="application/json",
        headers={"X-CSRFToken": _csrf(session)},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "my laptop"
    assert body["token"].startswith(body["prefix"])
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.user == user
    assert body["token"] not in (stored.digest, stored.prefix)  # only its digest is kept
    vote = _post(
        Client(),
        "/api/papers/2501.00001/upvote",
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert vote.status_code == 200
    listed = session.get("/api/tokens").json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]


def test_making_a_token_needs_the_csrf_token_and_a_session(session: Client, client: Client):
    assert session.post("/api/tokens").status_code == 403
    assert client.post("/api/tokens").status_code == 401
    assert client.get("/api/tokens").status_code == 401


def test_a_token_is_revoked_by_its_owner_only(session: Client, user, token):
    mine = ApiToken.objects.get(user=user)
    other = get_user_model().objects.create_user(
        username="other", email="other@example.org", password=None
    )
    theirs, _ = ApiToken.issue(other)
    csrf = {"X-CSRFToken": _csrf(session)}
    assert session.delete(f"/api/tokens/{theirs.pk}", headers=csrf).status_code == 404
    assert session.delete(f"/api/tokens/{mine.pk}", headers=csrf).status_code == 204
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    response = _post(
        Client(), "/api/submit", {"paper": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_an_old_account_votes_at_full_weight(authed: Client, make_paper, user):
    user.date_joined = timezone.now() - dt.timedelta(days=30)
    user.save()
    make_paper(arxiv_id="2501.00001")
    _post(authed, "/api/papers/2501.00001/upvote")
    assert Paper.objects.get(arxiv_id="2501.00001").vote_weight == 1.0
