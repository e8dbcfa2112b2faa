"""What a signed-in reader can do: upvote (a toggle) and submit a paper — with CSRF, limits."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from tests.conftest import shared
from tests.factories import account, paper
from tests.replay import ReplayServer, Reply


@pytest.fixture(autouse=True)
def _papers_of_any_age(settings: Settings) -> None:
    """These tests submit papers from the suite's 2025 days: the age rule is tested with the
    other submission rules (tests/community/test_submission_rules.py)."""
    settings.SUBMISSION_MAX_AGE_DAYS = 36_500


pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client: Client):
    target = paper()
    page = client.get("/").content.decode()
    assert f'href="/accounts/login/code/?next=/papers/{target.arxiv_id}"' in page
    assert 'name="csrfmiddlewaretoken"' not in page  # cached pages never carry a token
    response = client.post(f"/papers/{target.arxiv_id}/upvote")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/")


def test_upvote_toggles_and_shows_the_state(client: Client):
    target = paper(upvotes=3)
    client.force_login(account())
    response = client.post(f"/papers/{target.arxiv_id}/upvote", HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert 'aria-pressed="true"' in fragment
    assert '<span class="count">4</span>' in fragment
    page = client.get("/").content.decode()
    assert 'class="upvote voted"' in page
    response = client.post(f"/papers/{target.arxiv_id}/upvote", {"next": "/trending"})
    assert response["Location"] == "/trending"
    assert Paper.objects.get(pk=target.pk).points == 3


def test_upvote_needs_a_csrf_token():
    target = paper()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(account())
    assert browser.post(f"/papers/{target.arxiv_id}/upvote").status_code == 403
    page = browser.get(f"/papers/{target.arxiv_id}").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = browser.post(f"/papers/{target.arxiv_id}/upvote", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_an_offsite_next_is_ignored(client: Client):
    target = paper()
    client.force_login(account())
    response = client.post(f"/papers/{target.arxiv_id}/upvote", {"next": "https://evil.example/"})
    assert response["Location"] == f"/papers/{target.arxiv_id}"


@override_settings(RATE_LIMIT_VOTES="3/m")
def test_votes_are_rate_limited(client: Client):
    target = paper()
    client.force_login(account())
    codes = [client.post(f"/papers/{target.arxiv_id}/upvote").status_code for _ in range(5)]
    assert codes == [302, 302, 302, 429, 429]


def test_submit_a_paper_already_in_the_catalogue(client: Client):
    target = paper(arxiv_id="2501.00777", daily_date=None)
    client.force_login(account("submitter@example.org"))
    response = client.post("/submit", {"paper": "https://arxiv.org/abs/2501.00777v2"})
    assert response["Location"] == "/papers/2501.00777"
    target.refresh_from_db()
    assert target.daily_date is not None
    assert target.submitted_by == "submitter@example.org"
    again = client.post("/submit", {"paper": "2501.00777"})
    assert again.status_code == 400
    assert "already submitted" in again.content.decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "give an arXiv id"), ("not a paper", "not an arXiv id"), ("<b>x</b>", "not an arXiv id")],
)
def test_submit_says_what_is_wrong(client: Client, text: str, message: str):
    client.force_login(account())
    response = client.post("/submit", {"paper": text})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "<b>x</b>" not in body


def test_submit_fetches_a_new_paper_from_arxiv(
    client: Client, settings, replay_server: ReplayServer
):
    body = shared("arxiv-api/api-2026/id_list-1605.08386_start0-max100.xml").read_bytes()
    replay_server.route("/api/query", Reply(body=body), id_list="1605.08386")
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_REQUEST_INTERVAL = 0
    client.force_login(account())
    response = client.post("/submit", {"paper": "1605.08386"})
    assert response["Location"] == "/papers/1605.08386"
    assert Paper.objects.get(arxiv_id="1605.08386").daily_date is not None


def test_submit_reports_an_id_arxiv_does_not_know(
    client: Client, settings, replay_server: ReplayServer
):
    body = shared("arxiv-api/api-2026/id_list-0808.05394_start0-max100.xml").read_bytes()
    replay_server.route("/api/query", Reply(body=body))
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_REQUEST_INTERVAL = 0
    client.force_login(account())
    response = client.post("/submit", {"paper": "0808.05394"})
    assert response.status_code == 400
    assert "arXiv has no paper 0808.05394" in response.content.decode()


@override_settings(RATE_LIMIT_SUBMISSIONS="2/h")
def test_submissions_are_rate_limited(client: Client):
    client.force_login(account())
    codes = [client.post("/submit", {"paper": "nonsense"}).status_code for _ in range(4)]
    assert codes == [400, 400, 429, 429]


def test_a_blocked_account_is_signed_out(client: Client):
    user = account()
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.post(f"/papers/{paper().arxiv_id}/upvote")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/")
