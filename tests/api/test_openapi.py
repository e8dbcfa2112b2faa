"""The OpenAPI document, the self-hosted docs page, and JSON errors everywhere under /api/."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/papers/{arxiv_id}": {"get"},
    "/api/papers/{arxiv_id}/similar": {"get"},
    "/api/papers/{arxiv_id}/upvote": {"post"},
    "/api/search": {"get"},
    "/api/daily": {"get"},
    "/api/trending": {"get"},
    "/api/daily_papers": {"get"},
    "/api/submit": {"post"},
    "/api/tokens": {"get", "post"},
    "/api/tokens/{token_id}": {"delete"},
}


def test_the_openapi_document_names_every_endpoint(client: Client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    for path, methods in PATHS.items():
        assert path in document["paths"], path
        assert methods <= set(document["paths"][path]), path
    upvote = document["paths"]["/api/papers/{arxiv_id}/upvote"]["post"]
    assert upvote["security"] == [{"TokenAuth": []}]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert "security" not in document["paths"]["/api/search"]["get"]


def test_the_docs_page_loads_nothing_from_other_sites(client: Client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/openapi.json" in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    for url in sources:
        assert url.startswith("/api/docs/assets/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content)  # type: ignore[attr-defined]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in page  # no inline script for the policy to block


def test_only_the_docs_assets_are_served(client: Client):
    for name in ("../../settings.py", "redoc.standalone.js.map", "..%2f__init__.py", "x"):
        response = client.get(f"/api/docs/assets/{name}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/nothing/here", 404),
        ("get", "/api/papers/", 404),
        ("delete", "/api/search", 405),
        ("put", "/api/papers/2501.00001", 405),
        ("get", "/api/submit", 405),
        ("get", "/api/papers/2501.00001/upvote", 405),
    ],
)
def test_unknown_paths_and_methods_are_json_errors(client: Client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_the_api_root_points_at_the_documents(client: Client):
    assert client.get("/api/").json() == {"openapi": "/api/openapi.json", "docs": "/api/docs"}


def test_validation_errors_carry_a_readable_detail_and_the_field_list(client: Client):
    body = client.get("/api/trending", {"limit": "many"}).json()
    assert body["detail"].startswith("query.limit: ")
    assert body["errors"] == [{"loc": ["query", "limit"], "msg": body["detail"][13:]}]
