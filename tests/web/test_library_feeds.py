"""Every collection is an RSS and Atom feed: the owner's behind a signed address (with notes),
a public collection's at its public address (never with notes); anything else is a 404."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree
from django.contrib.auth.models import User
from django.test import Client

from paperwire.library import (
    create_collection,
    delete_collection,
    feed_token,
    public_token,
    save,
    set_public,
)
from paperwire.web.library_pages import public_path
from tests.factories import account, paper

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_owners_feed_lists_newest_saved_first_with_notes(alice: User, client: Client):
    group = create_collection(alice, "Reading group")
    save(alice, paper(title="Saved first"), group)
    save(alice, paper(title="Saved second"), group, note="discuss on Friday")
    response = client.get(f"/library/feed/{feed_token(group)}.rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert "no-store" in response["Cache-Control"]
    root = ElementTree.fromstring(response.content)
    assert root.findtext("channel/title") == "paperwire — Reading group"
    assert [i.findtext("title") for i in root.iter("item")] == ["Saved second", "Saved first"]
    assert "Your note: discuss on Friday" in root.findtext("channel/item/description", "")
    atom = ElementTree.fromstring(client.get(f"/library/feed/{feed_token(group)}.atom").content)
    assert atom.tag == f"{ATOM}feed"
    assert len(list(atom.iter(f"{ATOM}entry"))) == 2


def test_a_private_feed_is_found_only_by_its_signed_address(alice: User, client: Client):
    group = create_collection(alice, "Secret project")
    save(alice, paper(title="Hidden paper"), group, note="private")
    token = feed_token(group)
    pk, signature = token.split(".")
    other = create_collection(alice, "Other")
    tampered = [
        f"{pk}.{signature[:-3]}abc",  # a changed signature
        f"{other.pk}.{signature}",  # another collection's number under this signature
        public_token(group),  # the public address's token (another salt) is no feed key
        f"{pk}.",
    ]
    for bad in tampered:
        response = client.get(f"/library/feed/{bad}.rss")
        assert response.status_code == 404, bad
        assert b"Hidden paper" not in response.content
    assert client.get(f"/library/feed/{pk}.rss").status_code == 404


def test_a_deleted_collections_feed_is_gone(alice: User, client: Client):
    group = create_collection(alice, "Drafts")
    token = feed_token(group)
    delete_collection(group)
    assert client.get(f"/library/feed/{token}.rss").status_code == 404


def test_a_public_collections_feed_never_carries_notes(alice: User, client: Client):
    group = create_collection(alice, "Reading group", public=True)
    save(alice, paper(title="Shared paper"), group, note="my private note", tags=["mine"])
    for suffix in ("feed.rss", "feed.atom"):
        response = client.get(f"{public_path(group)}/{suffix}")
        assert response.status_code == 200, suffix
        assert b"Shared paper" in response.content
        assert b"my private note" not in response.content
        assert b"alice@example.org" not in response.content
    set_public(group, False)
    assert client.get(f"{public_path(group)}/feed.rss").status_code == 404


def test_a_public_feed_of_a_private_collection_is_not_found(alice: User, client: Client):
    group = create_collection(alice, "Secret project")
    save(alice, paper(title="Hidden paper"), group)
    response = client.get(f"{public_path(group)}/feed.atom")
    assert response.status_code == 404
    assert b"Hidden paper" not in response.content


def test_feeds_escape_what_readers_and_sources_typed(alice: User, client: Client):
    hostile = '<script>alert("x")</script>\x01'
    group = create_collection(alice, "<b>bold</b> group", public=True)
    save(alice, paper(title="<img src=x onerror=alert(1)>", abstract="a & b"), group, note=hostile)
    for url in (
        f"/library/feed/{feed_token(group)}.rss",
        f"/library/feed/{feed_token(group)}.atom",
        f"{public_path(group)}/feed.rss",
    ):
        body = client.get(url).content
        assert b"<script>" not in body, url
        assert b"<img src=x" not in body, url
        assert b"<b>bold" not in body, url
        ElementTree.fromstring(body)  # well-formed, the control character dropped


def test_new_feed_addresses_revoke_the_old_ones(client: Client) -> None:
    owner = account("rotate@example.org")
    item = paper(title="A paper in a private feed")
    entry = save(owner, item, "Reading")
    old = feed_token(entry.collection)
    assert client.get(f"/library/feed/{old}.rss").status_code == 200

    client.force_login(owner)
    assert client.post("/library/feed/rotate").status_code == 302
    client.logout()

    new = feed_token(entry.collection)
    assert new != old
    assert client.get(f"/library/feed/{old}.rss").status_code == 404
    answer = client.get(f"/library/feed/{new}.rss")
    assert answer.status_code == 200
    assert b"A paper in a private feed" in answer.content
