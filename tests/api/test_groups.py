"""Groups through the API: your groups, a group's collections, queue and week; propose and
vote — and that a non-member, a removed member or a caller without a token gets nothing of
a group (404 or 401, with JSON ``{"detail": ...}``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.catalogue.models import Paper
from paperwire.community.votes import toggle_vote
from paperwire.groups import (
    Group,
    Proposal,
    add_member,
    add_paper,
    collection_named,
    propose,
    remove_member,
)
from tests.api.conftest import client_of
from tests.factories import account, group, membership_of, paper

SECRET = "Secret Lab"


@pytest.fixture
def lab(alice: User, bob: User) -> Group:
    """alice owns it, bob is a member."""
    return group(SECRET, owner=alice, members=(bob,))


@pytest.fixture
def shared(lab: Group, bob: User) -> Paper:
    found = paper(title="Quietly shared paper")
    who = membership_of(bob, lab)
    add_paper(who, collection_named(who, "Diffusion"), found)
    propose(who, found)
    return found


def test_my_groups_lists_each_with_my_role(as_alice: Client, as_bob: Client, lab: Group):
    mine = as_alice.get("/api/groups").json()
    assert mine == {
        "groups": [
            {
                "slug": lab.slug,
                "name": SECRET,
                "role": "owner",
                "members": 2,
                "joined_at": mine["groups"][0]["joined_at"],
            }
        ]
    }
    assert as_bob.get("/api/groups").json()["groups"][0]["role"] == "member"


def test_collections_and_their_papers(as_bob: Client, lab: Group, shared: Paper):
    listed = as_bob.get(f"/api/groups/{lab.slug}/collections").json()
    assert listed["collections"] == [{"slug": "diffusion", "name": "Diffusion", "papers": 1}]
    papers = as_bob.get(f"/api/groups/{lab.slug}/collections/diffusion").json()
    assert [p["id"] for p in papers["papers"]] == [shared.arxiv_id]
    assert papers["papers"][0]["added_by"] == "bob@example.org"
    missing = as_bob.get(f"/api/groups/{lab.slug}/collections/nothing")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "the group has no such collection"}


def test_propose_vote_once_and_discuss(as_alice: Client, as_bob: Client, lab: Group):
    target = paper(title="Proposed through the API")
    made = as_alice.post(
        f"/api/groups/{lab.slug}/queue", {"paper": f"{target.arxiv_id}v2"}, "application/json"
    )
    assert made.status_code == 201
    assert made.json()["votes"] == 1
    assert made.json()["voted"] is True
    again = as_bob.post(
        f"/api/groups/{lab.slug}/queue", {"paper": target.arxiv_id}, "application/json"
    )
    assert again.status_code == 200
    proposal = made.json()["proposal"]
    for _ in range(2):
        voted = as_bob.put(f"/api/groups/{lab.slug}/queue/{proposal}/vote")
        assert voted.json() == {"proposal": proposal, "votes": 2, "voted": True}
    queue = as_bob.get(f"/api/groups/{lab.slug}/queue").json()["queue"]
    assert [(q["paper"]["id"], q["votes"], q["voted"]) for q in queue] == [
        (target.arxiv_id, 2, True)
    ]
    assert as_bob.delete(f"/api/groups/{lab.slug}/queue/{proposal}/vote").json()["votes"] == 1
    assert as_alice.post(f"/api/groups/{lab.slug}/queue/{proposal}/discussed").status_code == 204
    assert as_alice.get(f"/api/groups/{lab.slug}/queue").json()["queue"] == []
    after = as_bob.put(f"/api/groups/{lab.slug}/queue/{proposal}/vote")
    assert after.status_code == 404


def test_proposing_an_unknown_paper_is_one_line(as_bob: Client, lab: Group):
    answer = as_bob.post(
        f"/api/groups/{lab.slug}/queue", {"paper": "9912.99999"}, "application/json"
    )
    assert answer.status_code == 404
    assert "not in the catalogue" in answer.json()["detail"]
    bad = as_bob.post(f"/api/groups/{lab.slug}/queue", {"paper": ""}, "application/json")
    assert bad.status_code == 400


def test_the_week(as_bob: Client, alice: User, lab: Group, shared: Paper):
    upvoted = paper(title="Upvoted by a member")
    toggle_vote(alice, upvoted)
    toggle_vote(account("stranger@example.org"), paper(title="An outsider's vote"))
    week = as_bob.get(f"/api/groups/{lab.slug}/week").json()
    titles = {p["title"]: (p["upvotes_in_group"], p["saved_in"]) for p in week["papers"]}
    assert titles == {
        "Upvoted by a member": (1, []),
        "Quietly shared paper": (0, ["Diffusion"]),
    }
    assert week["week"].count("-W") == 1
    bad = as_bob.get(f"/api/groups/{lab.slug}/week?week=2025-13")
    assert bad.status_code == 400
    assert "not a week" in bad.json()["detail"]
    old = as_bob.get(f"/api/groups/{lab.slug}/week?week=2020-W01").json()
    assert old["papers"] == []


def paths(lab: Group) -> list[str]:
    return [
        f"/api/groups/{lab.slug}/collections",
        f"/api/groups/{lab.slug}/collections/diffusion",
        f"/api/groups/{lab.slug}/queue",
        f"/api/groups/{lab.slug}/week",
    ]


@pytest.mark.parametrize("who", ["outsider", "removed"])
def test_a_non_member_gets_nothing_of_a_group(alice: User, lab: Group, shared: Paper, who: str):
    reader = account(f"{who}@example.org")
    if who == "removed":
        add_member(lab, reader)
        remove_member(membership_of(alice, lab), reader.pk)
    browser = client_of(reader)
    assert browser.get("/api/groups").json() == {"groups": []}
    proposal = Proposal.objects.get(paper=shared).pk
    answers = [browser.get(path) for path in paths(lab)]
    answers.append(
        browser.post(
            f"/api/groups/{lab.slug}/queue", {"paper": shared.arxiv_id}, "application/json"
        )
    )
    answers.append(browser.put(f"/api/groups/{lab.slug}/queue/{proposal}/vote"))
    answers.append(browser.delete(f"/api/groups/{lab.slug}/queue/{proposal}/vote"))
    answers.append(browser.post(f"/api/groups/{lab.slug}/queue/{proposal}/discussed"))
    for answer in answers:
        assert answer.status_code == 404
        assert SECRET not in answer.content.decode()
        assert "Quietly shared paper" not in answer.content.decode()
    assert Proposal.objects.get(paper=shared).votes.count() == 1
    assert Proposal.objects.get(paper=shared).discussed_at is None


def test_without_a_token_every_groups_endpoint_is_401(lab: Group, shared: Paper):
    anonymous = Client()
    for path in ["/api/groups", *paths(lab)]:
        answer = anonymous.get(path)
        assert answer.status_code == 401
        assert "detail" in answer.json()


def test_the_endpoints_are_in_the_openapi_document():
    document = Client().get("/api/openapi.json").json()
    for path in (
        "/api/groups",
        "/api/groups/{slug}/collections",
        "/api/groups/{slug}/collections/{collection}",
        "/api/groups/{slug}/queue",
        "/api/groups/{slug}/queue/{proposal}/vote",
        "/api/groups/{slug}/week",
    ):
        assert path in document["paths"], path
