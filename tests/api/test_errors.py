"""Every answer under /api/ is JSON, whatever the method, path or body; HEAD is GET's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

# Django's test client skips the CSRF check unless told; a real client does not.
WRITES = ("post", "put", "patch", "delete")


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def session(user: User) -> Client:
    """A signed-in browser session, with the CSRF token it would read from a page."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/api/docs")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


def _is_json_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("path", ["/api/nothing/here", "/api/papers/", "/api/v2/search"])
def test_a_write_to_an_unknown_path_is_a_json_404_not_a_csrf_page(browser, method, path):
    _is_json_error(getattr(browser, method)(path), 404)


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize(
    "path", ["/api/", "/api/openapi.json", "/api/docs", "/api/docs/assets/swagger-ui.css"]
)
def test_the_index_the_document_and_the_docs_are_only_read(browser, method, path):
    response = getattr(browser, method)(path)
    _is_json_error(response, 405)
    assert response["Allow"] == "GET, HEAD"


GETS = [
    "/api/",
    "/api/openapi.json",
    "/api/docs",
    "/api/papers/2501.00001",
    "/api/papers/2501.00001/similar",
    "/api/papers/2501.09999",  # a 404 is a 404 for HEAD too
    "/api/search?q=diffusion",
    "/api/search?q=diffusion&offset=999",  # and a 400 a 400
    "/api/daily",
    "/api/trending",
    "/api/daily_papers?week=2025-W11",
]


@pytest.mark.parametrize("path", GETS)
def test_head_answers_as_get_does(client: Client, make_paper, backend, settings, path):
    settings.SEMANTIC = False
    make_paper(arxiv_id="2501.00001", title="Diffusion for video")
    backend.refresh_lexical()
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code
    assert head["Content-Type"] == got["Content-Type"]
    assert head.content == b""  # the server drops the body; the test client does as it would


def test_head_on_the_token_list_needs_the_session_as_get_does(client: Client, session: Client):
    assert client.head("/api/tokens").status_code == 401
    assert session.head("/api/tokens").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "/api/search", "GET, HEAD"),
        ("put", "/api/papers/2501.00001", "GET, HEAD"),
        ("head", "/api/submit", "POST"),
        ("get", "/api/papers/2501.00001/upvote", "POST"),
        ("put", "/api/tokens", "GET, HEAD, POST"),
    ],
)
def test_a_405_is_json_and_names_what_the_path_takes(client: Client, method, path, allow):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == allow
    if method != "head":
        assert method.upper() in response.json()["detail"]


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", 'multipart/form-data; boundary="'],
)
def test_a_body_django_cannot_read_is_a_400(session: Client, content_type):
    # ninja's CSRF check for a session reads request.POST, where Django parses the body.
    response = session.post("/api/tokens", '{"name": "x"}', content_type=content_type)
    _is_json_error(response, 400)


def test_a_form_instead_of_json_is_a_400(session: Client, authed: Client, make_paper):
    make_paper(arxiv_id="2501.00001")
    for client, path in [(session, "/api/tokens"), (authed, "/api/papers/2501.00001/upvote")]:
        response = client.post(path, {"name": "x", "voted": "true"})  # multipart, as a form
        _is_json_error(response, 400)


def test_a_429_says_when_to_retry(authed: Client, make_paper, settings):
    settings.RATE_LIMIT_VOTES = "1/m"
    make_paper(arxiv_id="2501.00001")
    upvote = "/api/papers/2501.00001/upvote"
    statuses = [authed.post(upvote, content_type="application/json").status_code for _ in "12"]
    assert statuses == [200, 429]
    limited = authed.post(upvote, content_type="application/json")
    _is_json_error(limited, 429)
    assert int(limited["Retry-After"]) >= 1
