"""What /api/openapi.json declares beyond the views' signatures, and the server agreeing with it.

tests/api/test_fuzz.py checks the same at random; these pin the edges.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _parameters(document: dict[str, Any], path: str) -> dict[str, Any]:
    return {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}


def test_date_week_and_month_show_their_spelling_and_exclude_each_other(document):
    operation = document["paths"]["/api/daily_papers"]["get"]
    assert operation["x-dependencies"] == ["ZeroOrOne(date, week, month)"]
    parameters = _parameters(document, "/api/daily_papers")
    for name in ("date", "week", "month"):
        schema = parameters[name]["schema"]
        assert schema["type"] == "string"  # given or left out: never null
        assert schema["pattern"].startswith("^")
    assert parameters["date"]["schema"]["format"] == "date"
    daily = _parameters(document, "/api/daily")["date"]["schema"]
    assert daily["pattern"] == parameters["date"]["schema"]["pattern"]


# (parameter, value, whether it names a period the API takes)
SPELLINGS = [
    ("date", "2025-03-12", True),
    ("date", "1991-01-01", True),
    ("date", "2100-12-31", True),
    ("date", "1990-12-31", False),  # before arXiv
    ("date", "2101-01-01", False),
    ("date", "9999-12-31", False),
    ("date", "2024-02-29", True),
    ("date", "2025-02-29", False),  # the date format's business, not the pattern's
    ("date", "2025-3-12", False),
    ("date", "２０２５-03-12", False),  # full-width digits
    ("week", "2026-W34", True),
    ("week", "2020-W53", True),  # 2020 has 53 ISO weeks
    ("week", "2021-W53", False),  # 2021 has 52
    ("week", "2026-W00", False),
    ("week", "2026W34", False),  # a spelling the site redirects; the API takes the canonical
    ("week", "2026-w34", False),
    ("week", "2026-W1", False),
    ("week", "9999-W52", False),
    ("month", "2026-08", True),
    ("month", "2026-13", False),
    ("month", "2026-8", False),
    ("month", "9999-12", False),
]


@pytest.mark.parametrize(("name", "value", "taken"), SPELLINGS)
def test_the_patterns_admit_exactly_what_the_server_takes(
    client: Client, document, name, value, taken
):
    schema = _parameters(document, "/api/daily_papers")[name]["schema"]
    admitted = re.search(schema["pattern"], value) is not None
    if admitted and schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            admitted = False
    assert admitted is taken
    response = client.get("/api/daily_papers", {name: value})
    assert response.status_code == (200 if taken else 400), response.content[:200]


def test_a_spelling_the_site_redirects_names_the_canonical_one(client: Client):
    response = client.get("/api/daily_papers", {"week": "2026w34"})
    assert response.status_code == 400
    assert response.json()["detail"] == "week: write 2026-W34, not '2026w34'"


def test_two_periods_at_once_are_refused(client: Client):
    response = client.get("/api/daily_papers", {"date": "2026-08-21", "month": "2026-08"})
    assert response.status_code == 400
    assert "only one of date, week and month" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"offset": 980}, 200),  # limit left out is 20
        ({"offset": 981}, 400),
        ({"offset": 999, "limit": 1}, 200),
        ({"offset": 901, "limit": 100}, 400),
        ({"offset": 900, "limit": 100}, 200),
    ],
)
def test_search_declares_how_deep_it_pages(
    client: Client, document, backend, settings, query, status
):
    settings.SEMANTIC = False
    operation = document["paths"]["/api/search"]["get"]
    assert operation["x-dependencies"] == ["offset + limit <= 1000"]
    assert client.get("/api/search", {"q": "x", **query}).status_code == status


def test_the_vote_body_is_an_object_or_nothing(document):
    body = document["paths"]["/api/papers/{arxiv_id}/upvote"]["post"]["requestBody"]
    assert body["required"] is False
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/VoteIn"}
    vote = document["components"]["schemas"]["VoteIn"]
    assert vote["properties"]["voted"]["anyOf"] == [{"type": "boolean"}, {"type": "null"}]
    assert "required" not in vote
    token = document["paths"]["/api/tokens"]["post"]["requestBody"]["content"]
    assert token["application/json"]["schema"] == {"$ref": "#/components/schemas/TokenIn"}


@pytest.mark.parametrize("body", ["null", "[]", '{"voted": 0}', '{"voted": "true"}', "true"])
def test_a_vote_body_the_document_does_not_allow_is_a_400(authed: Client, make_paper, body):
    make_paper(arxiv_id="2501.00001")
    response = authed.post("/api/papers/2501.00001/upvote", body, content_type="application/json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("body", ["", "{}", '{"voted": null}', '{"voted": true}'])
def test_a_vote_body_the_document_allows_is_taken(authed: Client, make_paper, body):
    make_paper(arxiv_id="2501.00001")
    response = authed.post("/api/papers/2501.00001/upvote", body, content_type="application/json")
    assert response.status_code == 200, response.content


def test_a_token_body_that_is_not_an_object_is_a_400(user):
    session = Client()
    session.force_login(user)
    response = session.post("/api/tokens", "null", content_type="application/json")
    assert response.status_code == 400
    assert session.post("/api/tokens", "", content_type="application/json").status_code == 201


def test_answers_declare_their_headers(document):
    for path_item in document["paths"].values():
        for operation in path_item.values():
            responses = operation["responses"]
            assert "503" in responses, operation["operationId"]
            for status, header in (("429", "Retry-After"), ("503", "Retry-After")):
                if status in responses:
                    declared = responses[status]["headers"][header]
                    assert declared["required"] is True
                    assert declared["schema"] == {"type": "integer", "minimum": 1}
            if "401" in responses:
                assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
    upvote = document["paths"]["/api/papers/{arxiv_id}/upvote"]["post"]["responses"]
    assert "Retry-After" in upvote["429"]["headers"]


def test_fields_hugging_face_leaves_out_are_not_required(client: Client, document, make_paper):
    schemas = document["components"]["schemas"]
    assert {"publishedAt", "submittedOnDailyAt"}.isdisjoint(schemas["HfPaper"]["required"])
    assert "publishedAt" not in schemas["HfDailyItem"]["required"]
    make_paper(arxiv_id="2501.00001", published=None, day=dt.date(2025, 3, 12))
    [item] = client.get("/api/daily_papers", {"date": "2025-03-12"}).json()
    assert "publishedAt" not in item
    assert "submittedOnDailyAt" not in item["paper"]


def test_paper_ids_come_with_examples(document):
    parameter = document["paths"]["/api/papers/{arxiv_id}"]["get"]["parameters"][0]
    assert parameter["examples"]["hep-th/9901001"] == {"value": "hep-th/9901001"}
    assert "hep-th/9901001" in parameter["schema"]["examples"]
