"""The people endpoints: an author's and an organisation's papers (whole names only), follows
and claims with the reader's token (each reader sees only their own)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.community import claim_author
from paperwire.community.models import Claim, ClaimStatus
from tests.factories import DAY, paper


def post(client: Client, path: str, body: object) -> Any:
    return client.post(path, body, content_type="application/json")


def test_an_authors_papers_categories_and_coauthors(client: Client):
    paper(title="Old", authors=["Yang Li", "Bo Chen"], day=DAY - dt.timedelta(days=3))
    paper(title="New", authors=["yang li", "Bo Chen"], categories=["cs.CL"])
    paper(title="Not him", authors=["Yang Liu"])
    body = client.get("/api/authors/YANG LI", {"limit": 1}).json()
    assert body["count"] == 2
    assert body["key"] == "yang li"
    assert [p["title"] for p in body["papers"]] == ["New"]
    assert body["has_more"] is True
    assert {"name": "Bo Chen", "count": 2} in body["coauthors"]
    assert body["url"].startswith("/authors/")
    page_two = client.get("/api/authors/yang%20li", {"limit": 1, "offset": 1}).json()
    assert [p["title"] for p in page_two["papers"]] == ["Old"]
    assert page_two["papers"][0]["num_comments"] == 0


def test_an_organisations_papers(client: Client):
    paper(title="Lab", organization="Hugging Face", authors=["Ana Müller"])
    body = client.get("/api/orgs/hugging face").json()
    assert [p["title"] for p in body["papers"]] == ["Lab"]
    assert body["coauthors"] == [{"name": "Ana Müller", "count": 1}]


def test_an_unknown_name_is_a_404_with_a_detail(client: Client):
    paper(authors=["Yang Liu"])
    response = client.get("/api/authors/Yang Li")
    assert response.status_code == 404
    assert response.json() == {"detail": "no papers under the name 'Yang Li'"}


def test_follow_and_unfollow_with_a_token(as_alice: Client, as_bob: Client, alice: User):
    made = post(as_alice, "/api/follows", {"kind": "author", "name": "Yang  Li"})
    assert made.status_code == 200
    assert made.json() == {"kind": "author", "name": "Yang Li", "key": "yang li", "following": True}
    post(as_alice, "/api/follows", {"kind": "org", "name": "Hugging Face"})
    assert [f["name"] for f in as_alice.get("/api/follows").json()] == ["Yang Li", "Hugging Face"]
    assert as_bob.get("/api/follows").json() == []
    gone = as_alice.delete("/api/follows/author/yang%20li")
    assert gone.json()["following"] is False
    assert [f["name"] for f in as_alice.get("/api/follows").json()] == ["Hugging Face"]


def test_following_needs_a_token_and_a_kind(client: Client, as_alice: Client):
    assert post(client, "/api/follows", {"name": "Yang Li"}).status_code == 401
    bad = post(as_alice, "/api/follows", {"kind": "person", "name": "Yang Li"})
    assert bad.status_code == 400
    assert "kind" in bad.json()["detail"]


def test_claims_with_a_token(as_alice: Client, as_bob: Client, alice: User):
    mine = paper(authors=["Ana Müller"])
    by_name = post(as_alice, "/api/claims/authors", {"name": "Ana Müller"})
    assert by_name.status_code == 201
    assert by_name.json()["status"] == "pending"
    again = post(as_alice, "/api/claims/authors", {"name": "ana muller"})
    assert again.status_code == 200  # the same claim
    by_paper = post(as_alice, "/api/claims/papers", {"paper": mine.arxiv_id, "name": "Ana Müller"})
    assert by_paper.status_code == 201
    assert by_paper.json()["paper"] == mine.arxiv_id
    assert [c["id"] for c in as_alice.get("/api/claims").json()] == [
        by_paper.json()["id"],
        by_name.json()["id"],
    ]
    assert as_bob.get("/api/claims").json() == []
    assert Claim.objects.filter(user=alice, status=ClaimStatus.PENDING).count() == 2


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("/api/claims/papers", {"paper": "2501.99999"}, 404, "2501.99999 is not in the catalogue"),
        (
            "/api/claims/papers",
            {"paper": "2501.00001", "name": "Yang Li"},
            409,
            "'Yang Li' is not an author of 2501.00001",
        ),
    ],
)
def test_a_bad_claim_is_one_line(
    as_alice: Client, path: str, body: dict[str, str], status: int, detail: str
) -> None:
    paper(arxiv_id="2501.00001", authors=["Yang Liu"])
    response = post(as_alice, path, body)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


def test_a_name_without_a_letter_or_digit_is_refused(as_alice: Client):
    for path, body in (("/api/follows", {"name": " -- "}), ("/api/claims/authors", {"name": "!"})):
        response = post(as_alice, path, body)
        assert response.status_code == 400
        assert "name" in response.json()["detail"]


def test_twenty_pending_claims_at_most(as_alice: Client, alice: User):
    for n in range(20):  # not through the API: its rate limit would answer first
        claim_author(alice, f"Name {n}")
    refused = post(as_alice, "/api/claims/authors", {"name": "One more"})
    assert refused.status_code == 429
    assert refused.json() == {
        "detail": "you have 20 claims waiting for a moderator; wait for them to be decided"
    }
