"""The library on the site: the save / read / not-interested buttons on every paper (with and
without htmx), /library, a collection's page, public addresses, exports, imports — and that
no reader's library shows through to another reader or to anonymous visitors."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from paperwire.catalogue.models import Paper
from paperwire.library import (
    Collection,
    Entry,
    Kind,
    Mark,
    create_collection,
    default_collection,
    mark,
    public_token,
    save,
    set_public,
)
from paperwire.web.library_pages import public_path
from tests.factories import paper

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def item(page: str, target: Paper) -> str:
    """The list item of ``target`` in a list page."""
    start = page.index(f'id="p-{target.arxiv_id.replace(".", "")}"')
    return page[start : page.index("</li>", start)]


# --- the buttons -----------------------------------------------------------------------------


def test_anonymous_visitors_get_a_sign_in_link_and_no_token(client: Client):
    target = paper()
    page = client.get("/").content.decode()
    assert f'href="/accounts/login/code/?next=/papers/{target.arxiv_id}">Sign in to save' in page
    assert 'name="csrfmiddlewaretoken"' not in page  # the page may be cached for everyone
    response = client.post(f"/papers/{target.arxiv_id}/save")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Entry.objects.exists()


def test_save_with_htmx_answers_the_saved_menu(alice: User):
    target = paper()
    create_collection(alice, "Reading group")
    response = signed_in(alice).post(f"/papers/{target.arxiv_id}/save", headers=HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.startswith('<div class="library"')
    assert "Saved ✓" in fragment
    assert '<option value="reading-group">Reading group</option>' in fragment
    assert "Remove from your library" in fragment
    assert Entry.objects.get().collection == default_collection(alice)


def test_save_without_javascript_redirects_back_and_the_list_shows_it(alice: User):
    saved, other = paper(), paper()
    browser = signed_in(alice)
    response = browser.post(f"/papers/{saved.arxiv_id}/save", {"next": "/trending"})
    assert response.status_code == 302
    assert response["Location"] == "/trending"
    page = browser.get("/").content.decode()
    assert "Saved ✓" in item(page, saved)
    assert "Saved ✓" not in item(page, other)
    assert '<button type="submit" class="save"' in item(page, other)


def test_an_offsite_next_is_ignored(alice: User):
    target = paper()
    response = signed_in(alice).post(
        f"/papers/{target.arxiv_id}/save", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/papers/{target.arxiv_id}"


def test_the_readers_state_costs_one_query_per_page_not_one_per_paper(alice: User):
    papers = [paper() for _ in range(12)]
    for target in papers[:5]:
        save(alice, target)
    mark(alice, papers[6], Kind.READ)
    browser = signed_in(alice)
    with CaptureQueriesContext(connection) as queries:
        page = browser.get("/").content.decode()
    assert page.count("Saved ✓") == 5
    assert page.count("Read ✓") == 1
    library = [q["sql"] for q in queries.captured_queries if "library_entry" in q["sql"]]
    assert len(library) == 1, library


def test_add_to_another_collection_then_remove_from_the_library(alice: User):
    target = paper()
    group = create_collection(alice, "Reading group")
    browser = signed_in(alice)
    browser.post(f"/papers/{target.arxiv_id}/save", headers=HTMX)
    browser.post(f"/papers/{target.arxiv_id}/save", {"collection": "reading-group"}, headers=HTMX)
    assert set(Entry.objects.values_list("collection__name", flat=True)) == {
        "Saved",
        "Reading group",
    }
    fragment = browser.post(f"/papers/{target.arxiv_id}/remove", headers=HTMX).content.decode()
    assert "Saved ✓" not in fragment
    assert ">Save</button>" in fragment
    assert not Entry.objects.exists()
    assert Collection.objects.filter(pk=group.pk).exists()  # the collection stays


def test_read_and_not_interested_toggle(alice: User):
    target = paper()
    browser = signed_in(alice)
    url = f"/papers/{target.arxiv_id}/mark"
    fragment = browser.post(url, {"kind": "read", "on": "1"}, headers=HTMX).content.decode()
    assert 'aria-pressed="true" title="Take back “read”">Read ✓' in fragment
    browser.post(url, {"kind": "not_interested", "on": "1", "next": "/"})
    assert set(Mark.objects.values_list("kind", flat=True)) == {"read", "not_interested"}
    fragment = browser.post(url, {"kind": "read", "on": "0"}, headers=HTMX).content.decode()
    assert ">Read</button>" in fragment
    assert "Not interested ✓" in fragment
    assert list(Mark.objects.values_list("kind", flat=True)) == ["not_interested"]


def test_an_unknown_mark_is_refused_in_one_line(alice: User):
    target = paper()
    response = signed_in(alice).post(
        f"/papers/{target.arxiv_id}/mark", {"kind": "<b>more</b>"}, headers=HTMX
    )
    assert response.status_code == 400
    assert response.content.decode().count("\n") == 0
    assert "read or not_interested" in response.content.decode()
    assert not Mark.objects.exists()


def test_the_buttons_need_a_csrf_token(alice: User):
    target = paper()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post(f"/papers/{target.arxiv_id}/save").status_code == 403
    page = browser.get(f"/papers/{target.arxiv_id}").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    saved = browser.post(f"/papers/{target.arxiv_id}/save", {"csrfmiddlewaretoken": token})
    assert saved.status_code == 302
    assert Entry.objects.count() == 1


def test_the_paper_page_shows_the_readers_state(alice: User, bob: User):
    target = paper()
    save(alice, target)
    assert "Saved ✓" in signed_in(alice).get(f"/papers/{target.arxiv_id}").content.decode()
    page = signed_in(bob).get(f"/papers/{target.arxiv_id}").content.decode()
    assert "Saved ✓" not in page
    assert ">Save</button>" in page


def test_a_list_item_shows_new_when_the_view_says_so():
    fresh, seen = paper(), paper()
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = "".join(
        render_to_string(
            "web/_paper_item.html", {"paper": p, "new_ids": {fresh.pk}}, request=request
        )
        for p in (fresh, seen)
    )
    assert html.count('<span class="new">new</span>') == 1
    assert item(html, fresh).count('class="new"') == 1


# --- /library and a collection's page --------------------------------------------------------


def test_the_library_lists_collections_with_counts_and_upvotes(alice: User):
    first, second = paper(title="Upvoted paper"), paper()
    save(alice, first)
    save(alice, second)
    save(alice, second, "Reading group")
    browser = signed_in(alice)
    browser.post(f"/papers/{first.arxiv_id}/upvote")
    page = browser.get("/library").content.decode()
    assert re.search(r'href="/library/saved">Saved</a> <span class="count">2 papers', page)
    assert re.search(
        r'href="/library/reading-group">Reading group</a> <span class="count">1 ', page
    )
    assert "Upvoted paper" in page.split("Your upvotes")[1]
    assert page.split("Your upvotes")[1].count('<li class="paper"') == 1


def test_the_library_asks_anonymous_visitors_to_sign_in(client: Client):
    for url in ("/library", "/library/saved", "/library/import", "/library/saved/export.json"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_create_a_collection_and_refuse_a_second_with_the_same_name(alice: User):
    browser = signed_in(alice)
    response = browser.post("/library", {"name": "  Reading   group "})
    assert response["Location"] == "/library/reading-group"
    assert Collection.objects.get(owner=alice, slug="reading-group").name == "Reading group"
    page = browser.post("/library", {"name": "reading group"}, follow=True).content.decode()
    assert "exists already" in page
    page = browser.post("/library", {"name": "Import"}, follow=True).content.decode()
    assert "taken by a page of the site" in page
    assert Collection.objects.filter(owner=alice, is_default=False).count() == 1


def test_a_collection_lists_newest_saved_first_and_pages(alice: User):
    papers = [paper(title=f"Number {n}") for n in range(32)]
    for target in papers:
        save(alice, target)
    browser = signed_in(alice)
    page = browser.get("/library/saved").content.decode()
    titles = re.findall(r'<a href="/papers/[^"]+">(Number \d+)</a>', page)
    assert titles[:2] == ["Number 31", "Number 30"]
    assert len(titles) == 30
    second = browser.get("/library/saved?page=2").content.decode()
    assert re.findall(r'<a href="/papers/[^"]+">(Number \d+)</a>', second) == [
        "Number 1",
        "Number 0",
    ]


def test_a_note_and_tags_are_edited_with_htmx_and_without(alice: User):
    entry = save(alice, paper())
    browser = signed_in(alice)
    url = f"/library/saved/entries/{entry.pk}"
    fragment = browser.post(
        url, {"note": "Read §3 first", "tags": "theory, to read, Theory"}, headers=HTMX
    ).content.decode()
    assert fragment.startswith(f'<div class="entry" id="entry-{entry.pk}">')
    assert "Read §3 first</textarea>" in fragment
    assert 'value="theory, to read"' in fragment
    assert 'role="status">Saved' in fragment
    response = browser.post(url, {"note": "changed", "tags": ""})
    assert response["Location"] == "/library/saved"
    entry.refresh_from_db()
    assert (entry.note, entry.tags) == ("changed", [])


def test_too_many_tags_are_refused_and_the_note_kept(alice: User):
    entry = save(alice, paper(), note="keep me")
    tags = ", ".join(f"t{n}" for n in range(30))
    fragment = (
        signed_in(alice)
        .post(f"/library/saved/entries/{entry.pk}", {"note": "new", "tags": tags}, headers=HTMX)
        .content.decode()
    )
    assert "at most 20 tags" in fragment
    entry.refresh_from_db()
    assert entry.note == "keep me"


def test_remove_one_paper_from_one_collection(alice: User):
    target = paper()
    save(alice, target)
    entry = save(alice, target, "Reading group")
    browser = signed_in(alice)
    response = browser.post(f"/library/reading-group/entries/{entry.pk}/remove", headers=HTMX)
    assert response.content == b""
    assert list(Entry.objects.values_list("collection__name", flat=True)) == ["Saved"]


def test_rename_publish_and_delete_a_collection_but_not_saved(alice: User):
    create_collection(alice, "Drafts")
    browser = signed_in(alice)
    response = browser.post("/library/drafts/rename", {"name": "Reading group"})
    assert response["Location"] == "/library/reading-group"
    browser.post("/library/reading-group/visibility", {"public": "1"})
    assert Collection.objects.get(slug="reading-group").public
    response = browser.post("/library/reading-group/delete")
    assert response["Location"] == "/library"
    assert not Collection.objects.filter(slug="reading-group").exists()
    default_collection(alice)
    page = browser.post("/library/saved/delete", follow=True).content.decode()
    assert "cannot be deleted" in page
    assert Collection.objects.filter(owner=alice, is_default=True).exists()
    page = browser.get("/library/saved").content.decode()
    assert "/library/saved/delete" not in page  # no button for it either


def test_what_a_reader_typed_is_escaped(alice: User):
    hostile = '<script>alert("x")</script>'
    collection = create_collection(alice, hostile)
    target = paper()
    save(alice, target, collection, note=f"{hostile} & more", tags=[hostile])
    set_public(collection, True)
    browser = signed_in(alice)
    pages = [
        browser.get("/library").content.decode(),
        browser.get(f"/library/{collection.slug}").content.decode(),
        browser.get(f"/papers/{target.arxiv_id}").content.decode(),
        Client().get(public_path(collection)).content.decode(),
    ]
    for page in pages:
        assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[1]


# --- privacy ---------------------------------------------------------------------------------


def test_another_reader_cannot_see_or_change_a_private_collection(alice: User, bob: User):
    target = paper()
    group = create_collection(alice, "Secret project")
    entry = save(alice, target, group, note="alice's private note")
    intruder = signed_in(bob)
    for url in ("/library/secret-project", "/library/secret-project/export.bibtex"):
        assert intruder.get(url).status_code == 404, url
    for url, data in [
        (f"/library/secret-project/entries/{entry.pk}", {"note": "bob was here"}),
        (f"/library/secret-project/entries/{entry.pk}/remove", {}),
        ("/library/secret-project/rename", {"name": "Mine now"}),
        ("/library/secret-project/visibility", {"public": "1"}),
        ("/library/secret-project/delete", {}),
    ]:
        assert intruder.post(url, data).status_code == 404, url
    # Bob's own collection of the same name is his, and alice's entry is not in it.
    create_collection(bob, "Secret project")
    response = intruder.post(f"/library/secret-project/entries/{entry.pk}", {"note": "x"})
    assert response.status_code == 404
    intruder.post(f"/papers/{target.arxiv_id}/save", {"collection": "secret-project"})
    group.refresh_from_db()
    entry.refresh_from_db()
    assert (group.name, group.public, entry.note) == (
        "Secret project",
        False,
        "alice's private note",
    )
    assert Entry.objects.filter(collection=group).count() == 1
    assert "alice's private note" not in intruder.get("/library").content.decode()
    assert "Secret project" not in Client().get(f"/papers/{target.arxiv_id}").content.decode()


def test_a_private_collections_public_address_is_not_found(alice: User, bob: User):
    group = create_collection(alice, "Secret project")
    save(alice, paper(title="Hidden paper"), group)
    address = public_path(group)  # what a public link would be, had it been made public
    for browser in (Client(), signed_in(bob)):
        response = browser.get(address)
        assert response.status_code == 404
        assert "Hidden paper" not in response.content.decode()
        assert "There is no such collection." in response.content.decode()


def test_a_public_collection_is_readable_by_anyone_without_notes_or_tags(alice: User):
    group = create_collection(alice, "Reading group", public=True)
    save(alice, paper(title="Shared paper"), group, note="my private note", tags=["mytag"])
    response = Client().get(public_path(group))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Shared paper" in page
    assert "my private note" not in page
    assert "mytag" not in page
    assert "alice@example.org" not in page
    assert "no-store" in response["Cache-Control"]
    owner_page = signed_in(alice).get("/library/reading-group").content.decode()
    assert public_path(group) in owner_page


def test_a_public_address_stops_answering_once_private_even_with_the_page_cache(
    alice: User, settings: object
):
    settings.PAGE_CACHE_SECONDS = 300  # type: ignore[attr-defined]
    group = create_collection(alice, "Reading group", public=True)
    address = public_path(group)
    assert Client().get(address).status_code == 200
    set_public(group, False)
    assert Client().get(address).status_code == 404


def test_a_tampered_or_renamed_public_address(alice: User):
    group = create_collection(alice, "Reading group", public=True)
    other = create_collection(alice, "Other", public=False)
    token = public_token(group)
    pk, signature = token.split(".")
    forged = f"{other.pk}.{signature}"
    assert Client().get(f"/c/{forged}/other").status_code == 404
    assert Client().get(f"/c/{pk}.{signature[:-2]}xx/reading-group").status_code == 404
    response = Client().get(f"/c/{token}/old-name")
    assert response.status_code == 302
    assert response["Location"] == public_path(group)


def test_a_readers_pages_are_never_stored_in_the_shared_cache(alice: User, settings: object):
    settings.PAGE_CACHE_SECONDS = 300  # type: ignore[attr-defined]
    save(alice, paper())
    browser = signed_in(alice)
    for url in ("/library", "/library/saved"):
        response = browser.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
    assert "Sign in to save" in Client().get("/").content.decode()  # not alice's page


# --- export and import -----------------------------------------------------------------------


def test_export_a_collection_in_each_format(alice: User):
    save(alice, paper(arxiv_id="2501.00042", title="Exported paper"), "Reading group")
    browser = signed_in(alice)
    types = {
        "bibtex": "application/x-bibtex",
        "ris": "application/x-research-info-systems",
        "csv": "text/csv",
        "json": "application/json",
    }
    for fmt, content_type in types.items():
        response = browser.get(f"/library/reading-group/export.{fmt}")
        assert response.status_code == 200, fmt
        assert response["Content-Type"].startswith(content_type), fmt
        assert response["Content-Disposition"].startswith('attachment; filename="reading-group.')
        assert b"2501.00042" in response.content, fmt
    assert browser.get("/library/reading-group/export.docx").status_code == 404


def test_import_a_bibtex_file_and_read_the_report(alice: User):
    paper(arxiv_id="2501.00042", title="Known paper")
    bib = (
        b"@misc{known, title={Known paper}, eprint={2501.00042}, archivePrefix={arXiv}}\n"
        b"@article{nowhere, title={A <b>paper</b> nobody has}, doi={10.9999/none}}\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("mine.bib", bib, content_type="application/x-bibtex")
    response = signed_in(alice).post("/library/import", {"file": upload, "collection": "Imported"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>1</strong> of 2 entries imported into" in page
    assert ">Imported</a>" in page
    assert "<td>line 2</td><td>nowhere</td>" in page
    assert "<b>paper</b>" not in page
    assert list(
        Entry.objects.filter(collection__owner=alice).values_list("collection__name", flat=True)
    ) == ["Imported"]


def test_import_without_a_file_says_what_to_do(alice: User):
    response = signed_in(alice).post("/library/import", {})
    assert response.status_code == 400
    assert "Choose a file to import" in response.content.decode()
