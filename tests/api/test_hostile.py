"""No input makes the API answer 500: every endpoint, every parameter, hostile values."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    "x" * 10_000,
    "\x00",
    "\x01\x02\x1b[0m\x7f",
    "'; DROP TABLE catalogue_paper; --",
    '" OR 1=1 --',
    "a* AND b~ OR (c",
    "<script>alert(1)</script>",
    "%00%ff",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "2025-02-30",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "\U0001f600" * 50,
]

GETS = [
    ("/api/search", ["q", "mode", "sort", "limit", "offset"]),
    ("/api/daily", ["date", "limit", "offset"]),
    ("/api/trending", ["limit", "offset"]),
    ("/api/daily_papers", ["date", "week", "month", "sort", "p", "limit"]),
    ("/api/papers/2501.00001/similar", ["limit"]),
]


@pytest.fixture
def catalogue(make_paper, backend, settings):
    settings.SEMANTIC = False
    make_paper(arxiv_id="2501.00001", title="Diffusion for video")
    make_paper(arxiv_id="2501.00002", title="Diffusion for images")
    backend.refresh_lexical()


@pytest.mark.parametrize(("path", "names"), GETS)
def test_hostile_query_parameters(client: Client, catalogue, path, names):
    for name in names:
        for value in HOSTILE:
            params = {name: value} if name == "q" else {"q": "diffusion", name: value}
            response = client.get(path, params)
            assert response.status_code < 500, (path, name, value[:40], response.content[:200])
            assert response["Content-Type"].startswith("application/json")
            if response.status_code >= 400:
                assert response.json()["detail"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_paper_ids(client: Client, catalogue, value):
    from urllib.parse import quote

    for suffix in ("", "/similar"):
        response = client.get(f"/api/papers/{quote(value[:2000], safe='')}{suffix}")
        assert response.status_code in (200, 400, 404), (value[:40], response.content[:200])
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_bodies(authed: Client, catalogue, value):
    for content_type in ("application/json", "text/plain", "multipart/form-data"):
        for path in ("/api/papers/2501.00001/upvote", "/api/submit"):
            response = authed.post(path, value, content_type=content_type)
            assert response.status_code < 500, (path, value[:40], response.content[:200])
            assert response["Content-Type"].startswith("application/json")
        response = authed.post("/api/submit", {"paper": value}, content_type="application/json")
        assert response.status_code == 400, (value[:40], response.content[:200])
