"""/api/library: a reader's collections, the papers in them with notes and tags, and exports.

Alice and Bob each have a token; Bob must never see or change anything of Alice's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.api import personal_schemas
from paperwire.library import Entry, core, create_collection, save
from tests.api.conftest import client_of
from tests.factories import paper


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method.lower())(path, **kwargs)


# -- the library ------------------------------------------------------------------------


def test_it_lists_saved_first_with_how_many_papers_each_holds(alice, as_alice):
    reading = create_collection(alice, "Reading group")
    save(alice, paper(), reading)
    save(alice, paper(), reading)
    save(alice, paper())
    response = as_alice.get("/api/library")
    assert response.status_code == 200
    collections = response.json()["collections"]
    assert [(c["name"], c["slug"], c["papers"], c["default"]) for c in collections] == [
        ("Saved", "saved", 1, True),
        ("Reading group", "reading-group", 2, False),
    ]
    assert collections[1]["public"] is False


def test_a_new_reader_has_an_empty_saved(as_alice):
    collections = as_alice.get("/api/library").json()["collections"]
    assert [(c["name"], c["papers"]) for c in collections] == [("Saved", 0)]


# -- collections ------------------------------------------------------------------------


def test_it_creates_a_private_collection(as_alice):
    response = send(as_alice, "POST", "/api/library/collections", {"name": "  To   read "})
    assert response.status_code == 201
    made = response.json()
    assert (made["name"], made["slug"], made["public"], made["papers"]) == (
        "To read",
        "to-read",
        False,
        0,
    )
    assert as_alice.get("/api/library/collections/to-read").status_code == 200


def test_it_creates_a_public_collection_when_asked(as_alice):
    response = send(as_alice, "POST", "/api/library/collections", {"name": "Mine", "public": True})
    assert response.json()["public"] is True


@pytest.mark.parametrize("name", ["Reading group", "reading  GROUP", "Reading-group!"])
def test_a_name_already_taken_is_a_conflict(alice, as_alice, name):
    create_collection(alice, "Reading group")
    response = send(as_alice, "POST", "/api/library/collections", {"name": name})
    assert response.status_code == 409
    assert "exists already" in response.json()["detail"]


@pytest.mark.parametrize("name", ["Saved", "saved", "SAVED!"])
def test_a_collection_cannot_take_the_address_of_saved(as_alice, name):
    # Even before "Saved" was ever used: it would take its address for good.
    response = send(as_alice, "POST", "/api/library/collections", {"name": name})
    assert response.status_code == 409
    saved = as_alice.get("/api/library/collections/saved").json()["collection"]
    assert saved["default"] is True


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": "a\x00b"}, {"name": 3}],
)
def test_a_collection_needs_a_name_it_can_keep(as_alice, body):
    response = send(as_alice, "POST", "/api/library/collections", body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("body.")


def test_public_must_be_a_boolean(as_alice):
    response = send(as_alice, "POST", "/api/library/collections", {"name": "x", "public": "yes"})
    assert response.status_code == 400


def test_it_renames_a_collection_which_moves_its_address(alice, as_alice):
    create_collection(alice, "Old name")
    response = send(as_alice, "PATCH", "/api/library/collections/old-name", {"name": "New name"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["slug"]) == ("New name", "new-name")
    assert as_alice.get("/api/library/collections/old-name").status_code == 404
    assert as_alice.get("/api/library/collections/new-name").status_code == 200


def test_it_makes_a_collection_public_and_private_again(alice, as_alice):
    create_collection(alice, "Shared")
    answer = send(as_alice, "PATCH", "/api/library/collections/shared", {"public": True}).json()
    assert answer["public"] is True
    answer = send(as_alice, "PATCH", "/api/library/collections/shared", {"public": False}).json()
    assert answer["public"] is False


def test_saved_keeps_its_name(as_alice):
    response = send(as_alice, "PATCH", "/api/library/collections/saved", {"name": "Other"})
    assert response.status_code == 409
    assert "keeps its name" in response.json()["detail"]
    # Its own name again is no change at all, and it can be made public.
    response = send(
        as_alice, "PATCH", "/api/library/collections/saved", {"name": "Saved", "public": True}
    )
    assert response.status_code == 200
    assert response.json()["public"] is True


def test_renaming_onto_another_collections_name_is_a_conflict(alice, as_alice):
    create_collection(alice, "One")
    create_collection(alice, "Two")
    response = send(as_alice, "PATCH", "/api/library/collections/one", {"name": "two"})
    assert response.status_code == 409
    assert as_alice.get("/api/library/collections/one").status_code == 200


def test_it_deletes_a_collection_and_keeps_the_papers_elsewhere(alice, as_alice):
    kept = paper()
    extra = create_collection(alice, "Extra")
    save(alice, kept, extra)
    save(alice, kept)
    response = as_alice.delete("/api/library/collections/extra")
    assert response.status_code == 204
    assert as_alice.get("/api/library/collections/extra").status_code == 404
    assert as_alice.delete("/api/library/collections/extra").status_code == 404
    assert Entry.objects.filter(collection__owner=alice, paper=kept).count() == 1


def test_saved_cannot_be_deleted(as_alice):
    response = as_alice.delete("/api/library/collections/saved")
    assert response.status_code == 409


# -- papers in a collection -------------------------------------------------------------


def test_it_saves_a_paper_with_a_note_and_tags(as_alice):
    p = paper("2501.00042", "Attention, again")
    response = send(
        as_alice,
        "PUT",
        "/api/library/collections/saved/papers/2501.00042v2",
        {"note": "read with <b>the group</b>", "tags": ["RL", "rl", " theory "]},
    )
    assert response.status_code == 201
    entry = response.json()
    assert (entry["id"], entry["title"]) == (p.arxiv_id, "Attention, again")
    assert entry["note"] == "read with <b>the group</b>"  # JSON text, never HTML
    assert entry["tags"] == ["RL", "theory"]
    assert entry["added_at"]


def test_saving_again_changes_only_what_is_given(as_alice):
    paper("2501.00042")
    url = "/api/library/collections/saved/papers/2501.00042"
    send(as_alice, "PUT", url, {"note": "first", "tags": ["a"]})
    again = send(as_alice, "PUT", url, {"tags": ["b"]})
    assert again.status_code == 200
    assert (again.json()["note"], again.json()["tags"]) == ("first", ["b"])
    bare = as_alice.put(url)  # no body at all: saved, nothing changed
    assert bare.status_code == 200
    assert (bare.json()["note"], bare.json()["tags"]) == ("first", ["b"])


@pytest.mark.parametrize(
    "body",
    [
        {"note": "x" * (core.MAX_NOTE + 1)},
        {"note": "nul \x00 inside"},
        {"tags": [f"t{n}" for n in range(core.MAX_TAGS + 1)]},
        {"tags": ["x" * (core.MAX_TAG + 1)]},
        {"tags": "not a list"},
    ],
)
def test_a_note_or_tags_the_library_cannot_keep_are_refused_whole(as_alice, body):
    paper("2501.00042")
    response = send(as_alice, "PUT", "/api/library/collections/saved/papers/2501.00042", body)
    assert response.status_code == 400
    assert not Entry.objects.exists()


@pytest.mark.parametrize("body", ["null", "[1]", '"x"', "{"])
def test_a_body_that_is_not_an_object_is_refused(as_alice, body):
    paper("2501.00042")
    response = as_alice.put(
        "/api/library/collections/saved/papers/2501.00042",
        data=body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Entry.objects.exists()


def test_saving_an_unknown_paper_or_into_an_unknown_collection_is_404(as_alice):
    paper("2501.00042")
    assert as_alice.put("/api/library/collections/saved/papers/2501.09999").status_code == 404
    assert as_alice.put("/api/library/collections/saved/papers/not-an-id").status_code == 404
    assert as_alice.put("/api/library/collections/nope/papers/2501.00042").status_code == 404
    assert not Entry.objects.exists()


def test_it_lists_a_collections_papers_newest_first_a_page_at_a_time(alice, as_alice):
    papers = [paper() for _ in range(5)]
    for p in papers:
        save(alice, p, note=f"note on {p.arxiv_id}", tags=["t"])
    first = as_alice.get("/api/library/collections/saved?limit=2").json()
    assert first["collection"]["papers"] == 5
    assert [e["id"] for e in first["papers"]] == [papers[4].arxiv_id, papers[3].arxiv_id]
    assert first["papers"][0]["note"] == f"note on {papers[4].arxiv_id}"
    assert first["papers"][0]["tags"] == ["t"]
    assert first["has_more"] is True
    last = as_alice.get("/api/library/collections/saved?limit=2&offset=4").json()
    assert [e["id"] for e in last["papers"]] == [papers[0].arxiv_id]
    assert last["has_more"] is False


def test_a_hidden_paper_is_not_listed(alice, as_alice):
    gone = paper(hidden=True)
    save(alice, gone)
    assert as_alice.get("/api/library/collections/saved").json()["papers"] == []


def test_it_removes_a_paper_from_one_collection(alice, as_alice):
    p = paper("2501.00042")
    save(alice, p)
    save(alice, p, create_collection(alice, "Other"))
    response = as_alice.delete("/api/library/collections/saved/papers/2501.00042")
    assert response.status_code == 204
    assert as_alice.delete("/api/library/collections/saved/papers/2501.00042").status_code == 404
    assert Entry.objects.get(collection__owner=alice, paper=p).collection.name == "Other"


# -- exports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("bibtex", "application/x-bibtex", "bib"),
        ("ris", "application/x-research-info-systems", "ris"),
        ("csv", "text/csv", "csv"),
        ("json", "application/json", "json"),
    ],
)
def test_it_exports_a_collection_as_a_file(alice, as_alice, fmt, content_type, extension):
    reading = create_collection(alice, "Reading group")
    save(alice, paper("2501.00042", "Attention, again"), reading, note="my note")
    save(alice, paper("2501.00043", "Not in this collection"))
    response = as_alice.get(f"/api/library/collections/reading-group/export?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type
    assert response["Content-Disposition"] == (f'attachment; filename="reading-group.{extension}"')
    body = response.content.decode()
    assert "Attention, again" in body
    assert "my note" in body
    assert "Not in this collection" not in body


def test_an_export_in_json_is_a_list_of_papers(alice, as_alice):
    save(alice, paper("2501.00042"), tags=["x"])
    rows = as_alice.get("/api/library/collections/saved/export?format=json").json()
    assert [(r["arxiv_id"], r["tags"]) for r in rows] == [("2501.00042", ["x"])]


def test_an_export_needs_a_known_format(as_alice):
    assert as_alice.get("/api/library/collections/saved/export").status_code == 400
    response = as_alice.get("/api/library/collections/saved/export?format=docx")
    assert response.status_code == 400
    assert "format" in response.json()["detail"]


# -- privacy ----------------------------------------------------------------------------


def alices_library(alice: User) -> None:
    secret = create_collection(alice, "Secret project")
    shared = create_collection(alice, "Shared", public=True)
    save(alice, paper("2501.00042"), secret, note="alice's private note", tags=["alice-tag"])
    save(alice, paper("2501.00043"), shared, note="alice's note in public")
    save(alice, paper("2501.00044"), note="alice's saved")


# Every way Bob could reach Alice's collections with his own token.
BOBS_ATTEMPTS = [
    ("GET", "/api/library/collections/secret-project", None),
    ("GET", "/api/library/collections/shared", None),
    ("GET", "/api/library/collections/secret-project/export?format=json", None),
    ("GET", "/api/library/collections/shared/export?format=bibtex", None),
    ("PATCH", "/api/library/collections/secret-project", {"public": True}),
    ("PATCH", "/api/library/collections/shared", {"name": "Taken over"}),
    ("DELETE", "/api/library/collections/secret-project", None),
    ("DELETE", "/api/library/collections/shared", None),
    ("PUT", "/api/library/collections/secret-project/papers/2501.00044", {"note": "bob was here"}),
    ("DELETE", "/api/library/collections/secret-project/papers/2501.00042", None),
    ("DELETE", "/api/library/collections/shared/papers/2501.00043", None),
]


@pytest.mark.parametrize(("method", "path", "body"), BOBS_ATTEMPTS)
def test_another_readers_collection_is_not_there_for_you(alice, as_bob, method, path, body):
    alices_library(alice)
    before = list(Entry.objects.values_list("collection__name", "paper_id", "note", "tags"))
    response = send(as_bob, method, path, body)
    assert response.status_code == 404
    assert "alice" not in response.content.decode().lower()
    after = list(Entry.objects.values_list("collection__name", "paper_id", "note", "tags"))
    assert after == before
    assert [c.name for c in alice.collections.all()] == ["Saved", "Secret project", "Shared"]
    assert alice.collections.get(name="Secret project").public is False


def test_bobs_saved_is_his_own(alice, bob, as_bob):
    alices_library(alice)
    mine = as_bob.get("/api/library/collections/saved").json()
    assert mine["papers"] == []
    assert [c["name"] for c in as_bob.get("/api/library").json()["collections"]] == ["Saved"]
    # Saving into "his" Saved and removing from it touch only his rows.
    assert as_bob.put("/api/library/collections/saved/papers/2501.00044").status_code == 201
    assert as_bob.delete("/api/library/collections/saved/papers/2501.00044").status_code == 204
    assert Entry.objects.filter(collection__owner=alice, paper__arxiv_id="2501.00044").exists()


def test_the_same_name_makes_bob_his_own_collection(alice, as_bob):
    alices_library(alice)
    response = send(as_bob, "POST", "/api/library/collections", {"name": "Secret project"})
    assert response.status_code == 201
    assert as_bob.get("/api/library/collections/secret-project").json()["papers"] == []


def test_nothing_of_alices_is_in_any_answer_to_bob(alice, as_bob):
    alices_library(alice)
    answers = [
        as_bob.get("/api/library"),
        as_bob.get("/api/library/collections/saved"),
        as_bob.get("/api/library/collections/saved/export?format=json"),
        as_bob.get("/api/papers/2501.00042"),
    ]
    for response in answers:
        text = response.content.decode()
        assert "alice" not in text
        assert "Secret project" not in text


# -- authentication ---------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/api/library"),
    ("POST", "/api/library/collections"),
    ("GET", "/api/library/collections/saved"),
    ("PATCH", "/api/library/collections/saved"),
    ("DELETE", "/api/library/collections/saved"),
    ("PUT", "/api/library/collections/saved/papers/2501.00042"),
    ("DELETE", "/api/library/collections/saved/papers/2501.00042"),
    ("GET", "/api/library/collections/saved/export?format=json"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_without_a_token_it_answers_401_with_the_scheme(client, method, path):
    paper("2501.00042")
    response = send(client, method, path, {"name": "x"} if method in ("POST", "PATCH") else None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="paperwire"'
    assert "token" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_signed_in_session_is_not_a_token(client, alice, method, path):
    client.force_login(alice)
    response = send(client, method, path, {"name": "x"} if method in ("POST", "PATCH") else None)
    assert response.status_code == 401


def test_a_revoked_token_reads_nothing(alice):
    browser = client_of(alice)
    alice.apitoken_set.all().delete()
    assert browser.get("/api/library").status_code == 401


def test_a_blocked_reader_is_refused(alice, as_alice):
    alice.is_active = False
    alice.save()
    assert as_alice.get("/api/library").status_code == 403


# -- the document -----------------------------------------------------------------------


def test_the_documents_limits_are_the_librarys():
    assert personal_schemas.MAX_NAME == core.MAX_NAME
    assert personal_schemas.MAX_NOTE == core.MAX_NOTE
    assert personal_schemas.MAX_TAGS == core.MAX_TAGS
    assert personal_schemas.MAX_TAG == core.MAX_TAG


def test_the_document_declares_every_library_operation(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    declared = {
        (method.upper(), path)
        for path, item in paths.items()
        if path.startswith("/api/library")
        for method in item
    }
    assert declared == {
        ("GET", "/api/library"),
        ("POST", "/api/library/collections"),
        ("GET", "/api/library/collections/{slug}"),
        ("PATCH", "/api/library/collections/{slug}"),
        ("DELETE", "/api/library/collections/{slug}"),
        ("PUT", "/api/library/collections/{slug}/papers/{arxiv_id}"),
        ("DELETE", "/api/library/collections/{slug}/papers/{arxiv_id}"),
        ("GET", "/api/library/collections/{slug}/export"),
    }
    for path, item in paths.items():
        if path.startswith("/api/library"):
            for operation in item.values():
                assert operation["security"] == [{"TokenAuth": []}]
                assert "401" in operation["responses"]


@pytest.mark.parametrize("body", ["[null, null]", "[]", "null", '"x"'])
def test_a_change_must_be_an_object(alice, as_alice, body):
    create_collection(alice, "Shared")
    response = as_alice.patch(
        "/api/library/collections/shared", data=body, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_public_collection_is_readable_by_anyone_with_its_link_without_notes(
    alice, as_alice, client
):
    group = create_collection(alice, "Open reading list")
    save(alice, paper(title="Shared with the world"), group, note="zq-private-note", tags=["zq"])
    slug = group.slug

    private = send(as_alice, "get", f"/api/library/collections/{slug}").json()["collection"]
    assert private["public_token"] is None
    made_public = send(as_alice, "patch", f"/api/library/collections/{slug}", {"public": True})
    token = made_public.json()["public_token"]

    anonymous = client.get(f"/api/public/collections/{token}")
    assert anonymous.status_code == 200
    assert [p["title"] for p in anonymous.json()["papers"]] == ["Shared with the world"]
    assert b"zq-private-note" not in anonymous.content
    assert b'"zq"' not in anonymous.content

    send(as_alice, "patch", f"/api/library/collections/{slug}", {"public": False})
    assert client.get(f"/api/public/collections/{token}").status_code == 404
    assert client.get(f"/api/public/collections/{token[:-2]}xx").status_code == 404
