"""The API's lists take the site's list filters, declared in the document exactly as the
server reads them (tests/api/test_fuzz.py holds the server to the document at random; these
pin the edges)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from paperwire.library import mark
from paperwire.library.feedfilters import MAX_VALUES
from tests.factories import DAY, account, paper, token_for

LISTS = ("/api/daily", "/api/daily_papers", "/api/trending")


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    result: dict[str, Any] = client.get("/api/openapi.json").json()
    return result


def _ids(answer: Any) -> list[str]:
    if isinstance(answer, list):  # Hugging Face's shape
        return [item["paper"]["id"] for item in answer]
    return [item["id"] for item in answer["papers"]]


@pytest.fixture
def day_of_papers() -> None:
    paper("2501.00001", "Transformers at scale", categories=["cs.LG"], upvotes=9)
    paper("2501.00002", "Optics", categories=["physics.optics"], upvotes=8)
    paper("2501.00003", "Graphs", categories=["cs.DS", "math.CO"], upvotes=7, daily_date=DAY)


@pytest.mark.parametrize("path", LISTS)
def test_every_list_declares_the_filters(document, path):
    parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
    for name in ("cat", "exclude", "hide"):
        schema = parameters[name]["schema"]
        assert schema["type"] == "array"
        assert schema["maxItems"] == MAX_VALUES
        assert schema["items"]["pattern"].startswith("^")
    assert parameters["listing"]["schema"]["enum"] == ["all", "submitted"]


# (parameter, value, whether the server takes it)
VALUES = [
    ("cat", "cs", True),
    ("cat", "cs.LG, math.st ,", True),
    ("cat", "", True),
    ("cat", "physics.atom-ph,q-bio.NC", True),
    ("cat", "cs LG", False),
    ("cat", "cs.LG.x", False),
    ("cat", "1cs", False),
    ("cat", ",".join(["cs"] * 11), False),
    ("exclude", "large language model, survey", True),
    ("exclude", '"><script>', True),
    ("exclude", "x" * 61, False),
    ("hide", "read,not_interested", True),
    ("hide", "Read", False),
    ("hide", "everything", False),
]


@pytest.mark.parametrize(("name", "value", "taken"), VALUES)
def test_the_patterns_admit_exactly_what_the_server_takes(
    client: Client, document, day_of_papers, name, value, taken
):
    for path in LISTS:
        parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        pattern = parameters[name]["schema"]["items"]["pattern"]
        assert bool(re.search(pattern, value)) is taken, (path, pattern)
        response = client.get(path, {name: value})
        assert (response.status_code == 200) is taken, response.content
        if not taken:
            assert response.status_code == 400
            assert response.json()["detail"].startswith(name)


def test_repeated_and_comma_separated_values_are_the_same(client: Client, day_of_papers):
    for path in LISTS:
        joined = sorted(_ids(client.get(f"{path}?cat=cs.LG,math").json()))
        assert joined == sorted(_ids(client.get(f"{path}?cat=math&cat=cs.LG").json()))
        assert joined == ["2501.00001", "2501.00003"]


def test_a_parameter_at_most_ten_times(client: Client, day_of_papers):
    response = client.get("/api/daily?" + "&".join(["cat=cs"] * (MAX_VALUES + 1)))
    assert response.status_code == 400


def test_filters_narrow_each_list(client: Client, day_of_papers):
    for path in LISTS:
        assert sorted(_ids(client.get(f"{path}?cat=cs").json())) == ["2501.00001", "2501.00003"]
        assert sorted(_ids(client.get(f"{path}?exclude=transformer").json())) == [
            "2501.00002", "2501.00003",
        ]  # fmt: skip
        assert _ids(client.get(f"{path}?listing=submitted").json()) == ["2501.00003"]


def test_hide_needs_the_callers_own_signin(client: Client, day_of_papers):
    alice = account("alice@example.org")
    mark(alice, paper_named("2501.00001"), "read")
    token = Client(headers={"Authorization": f"Bearer {token_for(alice)}"})
    session = Client()
    session.force_login(alice)
    bob = Client(headers={"Authorization": f"Bearer {token_for(account('bob@example.org'))}"})
    for path in LISTS:
        assert "2501.00001" in _ids(client.get(f"{path}?hide=read").json())
        assert "2501.00001" not in _ids(token.get(f"{path}?hide=read").json())
        assert "2501.00001" not in _ids(session.get(f"{path}?hide=read").json())
        # Another reader's token hides nothing of alice's.
        assert "2501.00001" in _ids(bob.get(f"{path}?hide=read").json())


def test_pinned_defaults_are_not_the_apis(client: Client, day_of_papers):
    from paperwire.library import FeedFilters

    alice = account("alice@example.org")
    FeedFilters(categories=("math",)).pin(alice)
    session = Client()
    session.force_login(alice)
    assert len(_ids(session.get("/api/daily").json())) == 3


def paper_named(arxiv_id: str):
    from paperwire.catalogue.models import Paper

    return Paper.objects.get(arxiv_id=arxiv_id)
