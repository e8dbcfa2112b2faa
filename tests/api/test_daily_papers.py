"""/api/daily_papers answers in the shape of Hugging Face's endpoint of that name."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from tests.conftest import shared

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 8, 21)


@pytest.fixture
def hf_sample() -> list[dict[str, Any]]:
    """A real day of https://huggingface.co/api/daily_papers (2026 schema)."""
    items: list[dict[str, Any]] = json.loads(
        shared("hf-daily-papers/samples/2026-08-21.json").read_text()
    )
    return items


@pytest.fixture
def submitted(make_paper):
    return make_paper(
        arxiv_id="2608.19880",
        title="EnvHarness: Awakening Static Worlds for Agent Learning",
        abstract="LLM agents learn by interacting with environments.",
        authors=["Chengsong Huang", "Zifeng Wang"],
        published=dt.datetime(2026, 8, 19, 20, 0, tzinfo=dt.UTC),
        announced_on=dt.date(2026, 8, 20),
        daily_date=DAY,
        submitted_by="taesiri",
        submitted_at=dt.datetime(2026, 8, 21, 0, 0, tzinfo=dt.UTC),
        upvotes=163,
        votes=2,
        organization="google",
        links=[
            {"kind": "github", "url": "https://github.com/google-research/envharness"},
            {"kind": "project", "url": "https://envharness.com/"},
        ],
    )


def _shape(value: Any) -> Any:
    """The keys and value types of a JSON value, recursively (first list element only)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _is_subshape(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, dict):
        return isinstance(theirs, dict) and all(
            k in theirs and _is_subshape(v, theirs[k]) for k, v in ours.items()
        )
    if isinstance(ours, list):
        return isinstance(theirs, list) and (
            not ours or not theirs or _is_subshape(ours[0], theirs[0])
        )
    return bool(ours == theirs)


def test_an_item_has_hugging_faces_shape(client: Client, submitted, hf_sample):
    response = client.get("/api/daily_papers", {"date": "2026-08-21"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    items = response.json()
    assert isinstance(items, list)
    item = items[0]
    # Every field we send is one Hugging Face sends, with the same JSON type.
    theirs = _shape(hf_sample[0])
    assert _is_subshape(_shape(item), theirs), (_shape(item), theirs)
    # ... and the fields clients read are there.
    paper = item["paper"]
    assert paper["id"] == "2608.19880"
    assert paper["authors"] == [
        {"name": "Chengsong Huang", "hidden": False},
        {"name": "Zifeng Wang", "hidden": False},
    ]
    assert paper["title"] == item["title"] == submitted.title
    assert paper["summary"] == item["summary"] == submitted.abstract
    assert paper["upvotes"] == 165  # imported 163 plus 2 from this site
    assert paper["publishedAt"] == item["publishedAt"] == "2026-08-19T20:00:00.000Z"
    assert paper["submittedOnDailyAt"] == "2026-08-21T00:00:00.000Z"
    assert paper["submittedOnDailyBy"]["name"] == "taesiri"
    assert item["submittedBy"]["name"] == "taesiri"
    assert paper["githubRepo"] == "https://github.com/google-research/envharness"
    assert paper["projectPage"] == "https://envharness.com/"
    assert item["organization"]["name"] == paper["organization"]["name"] == "google"
    assert item["numComments"] == 0
    assert item["isAuthorParticipating"] is False


def test_what_we_do_not_know_is_left_out(client: Client, make_paper):
    make_paper(arxiv_id="2608.00001", announced_on=DAY, published=None)
    item = client.get("/api/daily_papers", {"date": "2026-08-21"}).json()[0]
    assert "submittedBy" not in item
    assert "organization" not in item
    assert "publishedAt" not in item
    for key in ("githubRepo", "projectPage", "submittedOnDailyBy", "submittedOnDailyAt"):
        assert key not in item["paper"]
    assert "thumbnail" not in item


def test_no_date_means_the_newest_day(client: Client, make_paper, submitted):
    make_paper(arxiv_id="2608.00001", announced_on=DAY - dt.timedelta(days=1))
    assert [i["paper"]["id"] for i in client.get("/api/daily_papers").json()] == ["2608.19880"]


def test_week_and_month_and_both_sorts(client: Client, make_paper):
    make_paper(
        arxiv_id="2608.00001",
        announced_on=dt.date(2026, 8, 17),  # Monday of 2026-W34
        published=dt.datetime(2026, 8, 14, tzinfo=dt.UTC),
        upvotes=50,
    )
    make_paper(
        arxiv_id="2608.00002",
        announced_on=dt.date(2026, 8, 21),
        published=dt.datetime(2026, 8, 20, tzinfo=dt.UTC),
        upvotes=3,
    )
    make_paper(arxiv_id="2608.00003", announced_on=dt.date(2026, 8, 3), upvotes=10)

    def ids(**params: str) -> list[str]:
        response = client.get("/api/daily_papers", params)
        assert response.status_code == 200, response.content
        return [i["paper"]["id"] for i in response.json()]

    assert ids(week="2026-W34") == ["2608.00002", "2608.00001"]  # publishedAt, newest first
    assert ids(week="2026-W34", sort="trending") == ["2608.00001", "2608.00002"]
    assert ids(month="2026-08", sort="trending") == ["2608.00001", "2608.00003", "2608.00002"]
    assert ids(month="2026-08", sort="trending", limit="2", p="1") == ["2608.00002"]
    assert ids(month="2026-08", p="5") == []
    assert ids(date="2026-08-03") == ["2608.00003"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": "21/08/2026"}, "date"),
        ({"week": "2026-W60"}, "week"),
        ({"week": "last"}, "week"),
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-08-01"}, "month"),
        ({"date": "2026-08-21", "week": "2026-W34"}, "only one"),
        ({"sort": "upvotes"}, "sort"),
        ({"p": "-1"}, "p"),
        ({"p": "x"}, "p"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"date": "\x00"}, "date"),
    ],
)
def test_bad_values_are_a_400_with_a_message(client: Client, params, words):
    response = client.get("/api/daily_papers", params)
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_an_empty_catalogue_is_an_empty_list(client: Client):
    assert client.get("/api/daily_papers").json() == []
