"""The reader's library on the site: the save / read / not-interested buttons on every paper,
``/library``, a collection's page with its notes and tags, exports, imports, and the public
address of a public collection.

Per-reader state in lists. ``web/_paper_item.html`` and ``web/paper.html`` test
``paper.pk in saved_ids``, ``paper.pk in marked.read`` and ``paper.pk in marked.not_interested``.
A view may pass ``saved_ids`` and ``marked`` itself; when it does not, the template tag
``{% library_state %}`` (``templatetags/library_tags.py``) fills them in from
``reader_state(request)``: ONE query for the whole request (a UNION of the reader's saved
paper ids and their read / not-interested marks), kept on the request, so a page of 30
papers costs one query, not 30, and no list view has to know about the library. Anonymous
visitors cost nothing (their buttons are sign-in links, so anonymously cached pages still
carry no CSRF token). The reader's collections (for the "add to another collection" menu) are a
second query, made only if a saved paper is on the page.

Privacy. ``/library/...`` answers only about the signed-in reader's own collections, looked up
by (owner, slug), so another reader's collection is simply not found (404, never 403). A
public collection is read at ``/c/<token>/<slug>``: ``token`` signs the collection's primary key
(``django.core.signing``, a salt of its own), so the address is stable across renames and
cannot be guessed; it answers 404 once the collection is private again. Notes and tags are
private: the public page shows neither. No page here goes through ``anonymous_cache``, and
every answer is ``Cache-Control: private, no-store`` (``never_cache``), so a reader's page is
never kept by the site's shared cache nor by a proxy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import CharField, Count, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from paperwire import library
from paperwire.catalogue.models import Paper
from paperwire.community.votes import voted_ids
from paperwire.library import (
    DEFAULT_COLLECTION,
    FORMATS,
    Collection,
    Entry,
    Kind,
    LibraryError,
    Mark,
    annotate,
    clean_tags,
    collection_named,
    create_collection,
    default_collection,
    delete_collection,
    entries_of,
    export,
    feed_token,
    import_library,
    listed_entries,
    mark,
    public_token,
    remove,
    rename_collection,
    rotate_feed_key,
    save,
    set_public,
    unmark,
)
from paperwire.web.limits import limited
from paperwire.web.paging import page_number, paginate
from paperwire.web.papers import _back

PAGE_SIZE = 30
MAX_IMPORT_BYTES = 10 * 1024 * 1024
# The marks a button on a paper toggles; "more" / "less like this" live on For you.
BUTTON_MARKS = (Kind.READ, Kind.NOT_INTERESTED)

NOT_FOUND = "There is no such collection."


# --- per-reader state of the papers on a page ----------------------------------------------


@dataclass(frozen=True)
class Marked:
    read: frozenset[int] = frozenset()
    not_interested: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ReaderState:
    saved_ids: frozenset[int] = frozenset()
    marked: Marked = field(default_factory=Marked)


NOBODY = ReaderState()


def state_of(user: User | AbstractBaseUser | AnonymousUser) -> ReaderState:
    """Which papers the reader has saved (in any collection) and marked, in one query."""
    if not user.is_authenticated:
        return NOBODY
    reader = cast(User, user)
    # Default orderings are cleared: a compound SELECT takes no ORDER BY in its parts.
    saves = (
        Entry.objects.filter(collection__owner=reader)
        .order_by()
        .values_list("paper_id", Value("save", output_field=CharField()))
    )
    marks = (
        Mark.objects.filter(user=reader, kind__in=BUTTON_MARKS)
        .order_by()
        .values_list("paper_id", "kind")
    )
    saved: set[int] = set()
    kinds: dict[str, set[int]] = {Kind.READ: set(), Kind.NOT_INTERESTED: set()}
    for paper_id, kind in saves.union(marks, all=True):
        if kind == "save":
            saved.add(paper_id)
        else:
            kinds[kind].add(paper_id)
    return ReaderState(
        frozenset(saved),
        Marked(frozenset(kinds[Kind.READ]), frozenset(kinds[Kind.NOT_INTERESTED])),
    )


def reader_state(request: HttpRequest) -> ReaderState:
    """``state_of`` the request's reader, computed once per request."""
    found: ReaderState | None = getattr(request, "_library_state", None)
    if found is None:
        found = state_of(request.user)
        request._library_state = found  # type: ignore[attr-defined]
    return found


def collections_menu(request: HttpRequest) -> Any:
    """The reader's collections for the "add to" menu: queried only if a template uses it."""
    found = getattr(request, "_library_collections", None)
    if found is None:
        user = request.user
        found = SimpleLazyObject(
            lambda: (
                list(Collection.objects.filter(owner=user).only("name", "slug", "is_default"))
                if user.is_authenticated
                else []
            )
        )
        request._library_collections = found  # type: ignore[attr-defined]
    return found


# --- the buttons on a paper ------------------------------------------------------------------


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def save_paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Save the paper into "Saved", or into the collection the form names."""
    paper = _paper(arxiv_id)
    user = _reader(request)
    try:
        target = collection_named(user, request.POST.get("collection"))
        save(user, paper, target)
    except LibraryError as exc:
        return _refused(request, paper, str(exc))
    return _controls_or_back(request, paper)


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def remove_paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Take the paper out of the named collection, or out of the whole library."""
    paper = _paper(arxiv_id)
    user = _reader(request)
    name = request.POST.get("collection", "").strip()
    try:
        remove(user, paper, collection_named(user, name) if name else None)
    except LibraryError as exc:
        return _refused(request, paper, str(exc))
    return _controls_or_back(request, paper)


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def mark_paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Set (``on=1``) or clear (``on=0``) the reader's "read" or "not interested" mark."""
    paper = _paper(arxiv_id)
    user = _reader(request)
    kind = request.POST.get("kind", "")
    if kind not in BUTTON_MARKS:
        return _refused(request, paper, f"unknown mark {kind[:40]!r}: read or not_interested")
    if request.POST.get("on", "1") == "1":
        mark(user, paper, kind, source="page")
    else:
        unmark(user, paper, kind)
    return _controls_or_back(request, paper)


def _controls_or_back(request: HttpRequest, paper: Paper) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return render(request, "web/library/_controls.html", _controls_context(request, paper))
    return redirect(_back(request, paper))


def _controls_context(request: HttpRequest, paper: Paper) -> dict[str, Any]:
    state = state_of(request.user)
    return {
        "paper": paper,
        "saved_ids": state.saved_ids,
        "marked": state.marked,
        "library_collections": collections_menu(request),
        # The page the buttons were on, for the no-JS redirect of the next click.
        "back": request.POST.get("next", ""),
    }


def _refused(request: HttpRequest, paper: Paper, message: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(_back(request, paper))


def _paper(arxiv_id: str) -> Paper:
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404(f"{arxiv_id} is not in the catalogue")
    return paper


def _reader(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required ran first


# --- /library --------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@limited("RATE_LIMIT_VOTES", group="library")
def library_page(request: HttpRequest) -> HttpResponse:
    """The reader's collections with their sizes, their upvoted papers; POST makes a collection."""
    user = _reader(request)
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            made = create_collection(user, name, public=request.POST.get("public") == "1")
        except LibraryError as exc:
            messages.error(request, str(exc))
            return redirect("library")
        messages.success(request, f"Collection “{made.name}” made.")
        return redirect("library-collection", slug=made.slug)
    default_collection(user)  # "Saved" is always listed, even before the first save
    collections = Collection.objects.filter(owner=user).annotate(size=Count("entries"))
    upvoted = (
        Paper.objects.visible()
        .filter(local_votes__user=user)
        .order_by("-local_votes__created_at", "-pk")
    )
    page = paginate(upvoted, page_number(request), PAGE_SIZE)
    return render(
        request,
        "web/library/library.html",
        {
            "collections": list(collections),
            "page": page,
            "papers": page.items,
            "voted": {p.arxiv_id for p in page.items},
        },
    )


def _own(request: HttpRequest, slug: str) -> Collection:
    """The signed-in reader's collection at ``slug``; anyone else's is not found."""
    found = Collection.objects.filter(owner=_reader(request), slug=slug).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


@never_cache
@login_required
@require_safe
def collection_page(request: HttpRequest, slug: str) -> HttpResponse:
    collection = _own(request, slug)
    page = paginate(listed_entries(collection), page_number(request), PAGE_SIZE)
    papers = [entry.paper for entry in page.items]
    for entry in page.items:
        entry.paper.entry = entry  # type: ignore[attr-defined]  # the item's note editor
    return render(
        request,
        "web/library/collection.html",
        {
            "collection": collection,
            "page": page,
            "papers": papers,
            "voted": voted_ids(request.user, [p.arxiv_id for p in papers]),
            "feed_token": feed_token(collection),
            "public_path": public_path(collection) if collection.public else "",
            "exports": list(FORMATS),
        },
    )


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def rename_page(request: HttpRequest, slug: str) -> HttpResponse:
    collection = _own(request, slug)
    name = request.POST.get("name", "")
    try:
        rename_collection(collection, name)
    except LibraryError as exc:
        messages.error(request, str(exc))
    return redirect("library-collection", slug=collection.slug)


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def delete_page(request: HttpRequest, slug: str) -> HttpResponse:
    collection = _own(request, slug)
    try:
        delete_collection(collection)
    except LibraryError as exc:
        messages.error(request, str(exc))
        return redirect("library-collection", slug=collection.slug)
    messages.success(request, f"Collection “{collection.name}” deleted.")
    return redirect("library")


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def visibility_page(request: HttpRequest, slug: str) -> HttpResponse:
    collection = _own(request, slug)
    set_public(collection, request.POST.get("public") == "1")
    return redirect("library-collection", slug=collection.slug)


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def entry_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a saved paper's note and tags (tags: comma-separated)."""
    collection = _own(request, slug)
    entry = _entry(collection, pk)
    problem = ""
    try:
        annotate(
            entry,
            note=request.POST.get("note", ""),
            tags=clean_tags(request.POST.get("tags", "").split(",")),
        )
    except LibraryError as exc:
        problem = str(exc)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "web/library/_entry.html",
            {"entry": entry, "collection": collection, "problem": problem, "done": not problem},
            # 200 even with a problem: htmx swaps in only successful answers, and this one
            # says what to fix beside the field.
        )
    if problem:
        messages.error(request, problem)
    return redirect(_entry_back(request, collection))


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def entry_remove_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collection = _own(request, slug)
    entry = _entry(collection, pk)
    remove(_reader(request), entry.paper, collection)
    if request.headers.get("HX-Request"):
        return HttpResponse("")  # the item disappears
    return redirect(_entry_back(request, collection))


def _entry(collection: Collection, pk: int) -> Entry:
    found = collection.entries.select_related("paper").filter(pk=pk).first()
    if found is None:
        raise Http404("That paper is not in this collection.")
    return found


def _entry_back(request: HttpRequest, collection: Collection) -> str:
    page = page_number(request) if "page" in request.GET else 1
    where = reverse("library-collection", kwargs={"slug": collection.slug})
    return f"{where}?page={page}" if page > 1 else where


@never_cache
@login_required
@require_safe
def export_page(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    collection = _own(request, slug)
    if fmt not in FORMATS:
        raise Http404(f"No export as {fmt[:20]!r}: one of {', '.join(FORMATS)}.")
    # What an export holds is the library's rule (every entry, hidden papers too).
    response = HttpResponse(export(entries_of(collection.owner, collection), fmt))
    response["Content-Type"] = FORMATS[fmt].content_type
    response["Content-Disposition"] = (
        content_disposition_header(
            as_attachment=True, filename=f"{collection.slug}.{FORMATS[fmt].extension}"
        )
        or "attachment"
    )
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@limited("RATE_LIMIT_SUBMISSIONS", group="library-import")
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a BibTeX, RIS or Zotero CSV file; the report names every entry not matched."""
    user = _reader(request)
    choices = list(Collection.objects.filter(owner=user))
    if request.method != "POST":
        return render(request, "web/library/import.html", {"collections": choices})
    upload = request.FILES.get("file")
    problem = ""
    if upload is None:
        problem = "Choose a file to import (BibTeX, RIS or a Zotero CSV export)."
    elif upload.size is not None and upload.size > MAX_IMPORT_BYTES:
        problem = f"That file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it."
    if problem or upload is None:
        return render(
            request,
            "web/library/import.html",
            {"collections": choices, "problem": problem},
            status=400,
        )
    name = request.POST.get("collection", "").strip() or None
    try:
        report = import_library(user, upload.read(), filename=upload.name or "", collection=name)
    except LibraryError as exc:
        return render(
            request,
            "web/library/import.html",
            {"collections": choices, "problem": str(exc)},
            status=400,
        )
    into = Collection.objects.filter(
        owner=user, name__in=report.collections or [DEFAULT_COLLECTION]
    )
    return render(request, "web/library/import_report.html", {"report": report, "into": into})


# --- public collections ---------------------------------------------------------------------


def public_path(collection: Collection) -> str:
    return reverse(
        "library-public", kwargs={"token": public_token(collection), "slug": collection.slug}
    )


def public_collection(token: str) -> Collection:
    """The public collection ``token`` names; a private, deleted or forged one is not found."""
    found = library.public_collection(token)
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def feed_collection(token: str) -> Collection:
    """The collection a private feed token names; a forged or revoked one is not found."""
    found = library.feed_collection(token)
    if found is None:
        raise Http404(NOT_FOUND)
    return found


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="library")
def rotate_feeds_page(request: HttpRequest) -> HttpResponse:
    """New private feed addresses for every collection of the reader; the old ones stop."""
    rotate_feed_key(_reader(request))
    messages.success(request, "Your private feeds have new addresses; the old ones no longer work.")
    return redirect("library")


@never_cache
@require_safe
def public_page(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    collection = public_collection(token)
    if slug != collection.slug:  # renamed since the link was shared: one address
        return redirect(public_path(collection), permanent=False)
    page = paginate(listed_entries(collection), page_number(request), PAGE_SIZE)
    papers = [entry.paper for entry in page.items]
    return render(
        request,
        "web/library/public.html",
        {
            "collection": collection,
            "page": page,
            "papers": papers,
            "public_path": public_path(collection),
            "mine": collection.owner_id == request.user.pk,
        },
    )
