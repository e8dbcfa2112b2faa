"""The account page: address, API tokens (the secret shown once), pinned filters, export
everything, delete everything (with a confirmation step; the account stays unless asked)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.community.models import ApiToken, Vote, hash_token
from paperwire.community.votes import set_vote
from paperwire.digests.models import Subscriber
from paperwire.library import Mark, Reader, collection_named, mark, save
from tests.factories import account, claim, comment, group, paper, subscriber, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def test_it_needs_signing_in(client: Client):
    for path in ("/account", "/account/export", "/account/delete"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/code/")


def test_it_shows_the_address_tokens_and_pinned_filters(signed_in: Client, alice: User):
    token_for(alice, "laptop script")
    Reader.objects.create(user=alice, filters={"cat": ["cs.CL"]})
    page = signed_in.get("/account")
    text = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "alice@example.org" in text
    assert "laptop script" in text
    assert "cs.CL" in text


def test_a_new_token_is_shown_once_and_works(signed_in: Client, alice: User):
    response = signed_in.post("/account/tokens", {"name": "<b>ci</b>"})
    text = response.content.decode()
    secret = text.split('<code id="secret">')[1].split("</code>")[0]
    assert ApiToken.objects.get(user=alice).digest == hash_token(secret)
    assert "&lt;b&gt;ci&lt;/b&gt;" in text  # a name is text, never markup
    assert "no-store" in response["Cache-Control"]
    assert secret not in signed_in.get("/account").content.decode()


def test_a_token_can_be_revoked_only_by_its_owner(client: Client, alice: User):
    theirs = ApiToken.issue(alice, "theirs")[0]
    client.force_login(account("bob@example.org"))
    client.post(f"/account/tokens/{theirs.pk}/revoke")
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    client.force_login(alice)
    assert client.post(f"/account/tokens/{theirs.pk}/revoke").status_code == 302
    assert not ApiToken.objects.filter(pk=theirs.pk).exists()


def test_pinned_filters_can_be_cleared(signed_in: Client, alice: User):
    Reader.objects.create(user=alice, filters={"cat": ["cs.CL"]})
    signed_in.post("/account/filters/clear")
    assert Reader.objects.get(user=alice).filters == {}


def test_export_everything_is_a_json_download_of_the_readers_data(signed_in: Client, alice: User):
    kept = paper(title="Kept paper")
    save(alice, kept, "Reading group", note="read before Friday", tags=["rg"])
    mark(alice, paper(), "not_interested")
    set_vote(alice, kept, voted=True)
    subscriber("alice@example.org", "cat:cs.CL")
    response = signed_in.get("/account/export")
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    group = next(c for c in data["collections"] if c["name"] == "Reading group")
    assert group["entries"][0]["note"] == "read before Friday"
    assert group["entries"][0]["tags"] == ["rg"]
    assert [m["kind"] for m in data["marks"]] == ["not_interested"]
    assert [v["arxiv_id"] for v in data["votes"]] == [kept.arxiv_id]
    assert data["subscriptions"][0]["topics"] == ["cat:cs.CL"]
    assert "ranking_model" in data


def test_delete_everything_asks_first(signed_in: Client, alice: User):
    save(alice, paper(), note="keep me")
    page = signed_in.get("/account/delete")
    assert page.status_code == 200
    assert "Type your e-mail address" in page.content.decode()
    wrong = signed_in.post("/account/delete", {"confirm": "someone@else.org"})
    assert wrong.status_code == 400
    assert "nothing was deleted" in wrong.content.decode()
    assert alice.collections.exists()


def test_delete_everything_keeps_the_account(signed_in: Client, alice: User):
    liked = paper(upvotes=0)
    save(alice, liked, "Reading group", note="keep me")
    mark(alice, paper(), "less")
    set_vote(alice, liked, voted=True)
    token_for(alice)
    Reader.objects.filter(user=alice).update(filters={"cat": ["cs.CL"]}, onboarded=True)
    subscriber("alice@example.org")
    response = signed_in.post("/account/delete", {"confirm": "ALICE@example.org"})
    assert response["Location"] == "/account"
    assert not alice.collections.exists()
    assert not Mark.objects.filter(user=alice).exists()
    assert not Vote.objects.filter(user=alice).exists()
    liked.refresh_from_db()
    assert (liked.votes, liked.vote_weight) == (0, 0)  # the public count dropped with the vote
    assert not ApiToken.objects.filter(user=alice).exists()
    reader = Reader.objects.get(user=alice)
    assert (reader.filters, reader.onboarded) == ({}, False)
    assert User.objects.filter(pk=alice.pk).exists()
    assert Subscriber.objects.filter(email="alice@example.org").exists()
    assert signed_in.get("/account").status_code == 200  # still signed in
    assert collection_named(alice, None).entries.count() == 0


def test_delete_everything_and_the_account(signed_in: Client, alice: User):
    save(alice, paper(), note="keep me")
    subscriber("alice@example.org")
    response = signed_in.post("/account/delete", {"confirm": "alice@example.org", "account": "yes"})
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Subscriber.objects.filter(email="alice@example.org").exists()
    assert signed_in.get("/account").status_code == 302  # signed out


def test_export_holds_the_readers_community_data_and_nobody_elses(signed_in: Client, alice: User):
    from paperwire.community import set_follow
    from paperwire.discussion import edit

    bob = account("bob@example.org")
    on = paper(authors=["Ana Müller"], title="Discussed")
    mine = comment(on, alice, "First thought.")
    edit(alice, mine, "Second thought.")
    comment(on, bob, "Bob's private reply.", parent=mine)
    set_follow(alice, "author", "Ana Müller", following=True)
    claim(alice, name="Ana Muller", approved=False)
    group("Vision lab", members=(alice,))
    data = json.loads(signed_in.get("/account/export").content)
    assert [(c["body"], c["earlier_versions"]) for c in data["comments"]] == [
        ("Second thought.", ["First thought."])
    ]
    assert [(f["kind"], f["name"]) for f in data["follows"]] == [("author", "Ana Müller")]
    assert [(c["name"], c["status"]) for c in data["authorship_claims"]] == [
        ("Ana Muller", "pending")
    ]
    assert [(g["name"], g["role"]) for g in data["groups"]] == [("Vision lab", "member")]
    assert "Bob" not in json.dumps(data)
