"""A reader's library through the API: collections, the papers in them with notes and tags,
and exports. Every operation needs the reader's token and sees only the reader's own rows:
another reader's collection, private or public, is simply not there (404), never forbidden.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Body, Path, Query, Router, Schema, Status
from ninja import Field as F
from ninja.errors import HttpError

from paperwire.api.auth import token_auth
from paperwire.api.personal_schemas import (
    CollectionChange,
    CollectionIn,
    CollectionOut,
    CollectionPapersOut,
    EntryIn,
    EntryOut,
    LibraryOut,
    PublicCollectionOut,
)
from paperwire.api.reads import UNSHOWN, ArxivId, Paging, find_paper
from paperwire.api.schemas import Error
from paperwire.api.serialize import paper_out, with_comment_counts
from paperwire.api.writes import object_or_nothing
from paperwire.library import (
    DEFAULT_COLLECTION,
    FORMATS,
    Collection,
    Entry,
    LibraryError,
    create_collection,
    default_collection,
    delete_collection,
    entries_of,
    export,
    listed_entries,
    public_collection,
    public_token,
    rename_collection,
    save,
    set_public,
)
from paperwire.library import remove as remove_entry

router = Router(tags=["library"], auth=token_auth)
# A public collection is readable by anyone who has its link: no token.
public_router = Router(tags=["library"])

# ninja answers 400 for a request its schemas refuse, TokenAuth 401 without a valid token and
# 403 for a blocked account: every operation here may answer these.
AUTH_ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error}
FOUND_ERRORS: dict[int, type[Error]] = {**AUTH_ERRORS, 404: Error}

DEFAULT_SLUG = Collection.slug_for(DEFAULT_COLLECTION)
SLUG_EXAMPLES = [DEFAULT_SLUG]

Slug = Annotated[
    str,
    Path(
        description=f'a collection\'s slug; "{DEFAULT_SLUG}" is always there',
        examples=SLUG_EXAMPLES,
    ),
]


def _reader(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _collection(user: User, slug: str) -> Collection:
    """The reader's own collection at ``slug``; anyone else's does not exist for them."""
    if slug == DEFAULT_SLUG:
        return default_collection(user)
    found = Collection.objects.filter(owner=user, slug=slug).first()
    if found is None:
        raise Http404(f"you have no collection {slug[:100]!r}")
    return found


def collection_out(collection: Collection, papers: int | None = None) -> dict[str, Any]:
    if papers is None:
        papers = collection.entries.filter(paper__hidden=False).count()
    return {
        "slug": collection.slug,
        "name": collection.name,
        "public": collection.public,
        "default": collection.is_default,
        "papers": papers,
        "created_at": collection.created_at,
        "updated_at": collection.updated_at,
        "public_token": public_token(collection) if collection.public else None,
    }


def entry_out(entry: Entry) -> dict[str, Any]:
    return {
        **paper_out(entry.paper),
        "note": entry.note,
        "tags": [str(tag) for tag in entry.tags or []],
        "added_at": entry.added_at,
    }


def _conflict(exc: LibraryError) -> HttpError:
    """A change the library refuses given what is there already (a name taken, "Saved"
    renamed or deleted): the request was well formed, the state says no."""
    return HttpError(409, str(exc))


@router.get("/library", response={200: LibraryOut, **AUTH_ERRORS}, summary="Your library")
def library(request: HttpRequest) -> dict[str, Any]:
    """Your collections with how many papers each holds, "Saved" first."""
    user = _reader(request)
    default_collection(user)  # "Saved" is listed from the start, as on the library page
    # Meta.ordering is not applied to an aggregating query: ordered here as it says.
    collections = (
        Collection.objects.filter(owner=user)
        .annotate(n=Count("entries", filter=Q(entries__paper__hidden=False)))
        .order_by("-is_default", "name")
    )
    return {"collections": [collection_out(c, c.n) for c in collections]}


@router.post(
    "/library/collections",
    response={201: CollectionOut, 409: Error, **AUTH_ERRORS},
    summary="Create a collection",
)
def create(request: HttpRequest, payload: CollectionIn) -> Status[dict[str, Any]]:
    """A new collection, private unless ``public`` is true. 409 when you have one of that name
    (names that differ only in case, spaces or punctuation are the same name)."""
    user = _reader(request)
    # "Saved" exists before any other, so that a collection named like it is refused as a
    # duplicate instead of taking its address.
    default_collection(user)
    try:
        with transaction.atomic():
            made = create_collection(user, payload.name, public=payload.public)
    except LibraryError as exc:
        raise _conflict(exc) from None
    except IntegrityError:  # the same name created at the same moment by another request
        raise HttpError(
            409, f"a collection named {payload.name.strip()[:100]!r} exists already"
        ) from None
    return Status(201, collection_out(made, 0))


@router.patch(
    "/library/collections/{slug}",
    response={200: CollectionOut, 409: Error, **FOUND_ERRORS},
    summary="Rename a collection, or make it public or private",
)
def change(request: HttpRequest, slug: Slug, payload: CollectionChange) -> dict[str, Any]:
    """Give only what changes. A new name moves the collection to a new slug (in the answer);
    409 when the name is taken, or for a new name for "Saved"."""
    # ninja would read a JSON array as an object of nothing, which means no change here.
    object_or_nothing(request, '{"public": true}')
    collection = _collection(_reader(request), slug)
    try:
        with transaction.atomic():
            if payload.name is not None and " ".join(payload.name.split()) != collection.name:
                default_collection(collection.owner)
                rename_collection(collection, payload.name)
            if payload.public is not None and payload.public != collection.public:
                set_public(collection, payload.public)
    except LibraryError as exc:
        raise _conflict(exc) from None
    except IntegrityError:
        raise HttpError(409, "a collection of that name exists already") from None
    return collection_out(collection)


@router.delete(
    "/library/collections/{slug}",
    response={204: None, 409: Error, **FOUND_ERRORS},
    summary="Delete a collection",
)
def delete(request: HttpRequest, slug: Slug) -> Status[None]:
    """The collection and its notes and tags; the papers stay in your other collections.
    "Saved" cannot be deleted (409)."""
    collection = _collection(_reader(request), slug)
    try:
        delete_collection(collection)
    except LibraryError as exc:
        raise _conflict(exc) from None
    return Status(204, None)


@router.get(
    "/library/collections/{slug}",
    response={200: CollectionPapersOut, **FOUND_ERRORS},
    summary="A collection's papers",
)
def collection_papers(
    request: HttpRequest,
    slug: Slug,
    params: Query[Paging],
) -> dict[str, Any]:
    """The papers with your notes and tags, the most recently added first."""
    collection = _collection(_reader(request), slug)
    entries = listed_entries(collection).defer(*(f"paper__{name}" for name in UNSHOWN))
    rows = list(entries[params.offset : params.offset + params.limit + 1])
    with_comment_counts(e.paper for e in rows[: params.limit])
    return {
        "collection": collection_out(collection),
        "limit": params.limit,
        "offset": params.offset,
        "has_more": len(rows) > params.limit,
        "papers": [entry_out(e) for e in rows[: params.limit]],
    }


@router.put(
    "/library/collections/{slug}/papers/{path:arxiv_id}",
    response={200: EntryOut, 201: EntryOut, **FOUND_ERRORS},
    summary="Save a paper in a collection",
)
def put_paper(
    request: HttpRequest,
    slug: Slug,
    arxiv_id: ArxivId,
    payload: Body[EntryIn | None] = None,
) -> Status[dict[str, Any]]:
    """Save the paper (201), or, if it is there already, change its note or tags (200). A
    field left out stays as it is."""
    user = _reader(request)
    object_or_nothing(request, '{"note": "read with the group", "tags": ["rl"]}')
    collection = _collection(user, slug)
    paper = find_paper(arxiv_id)
    existed = Entry.objects.filter(collection=collection, paper=paper).exists()
    note = payload.note if payload else None
    tags = payload.tags if payload else None
    try:
        entry = save(user, paper, collection, note=note, tags=tags)
    except LibraryError as exc:  # the schema holds the library's limits; kept as a 400 anyway
        raise HttpError(400, str(exc)) from None
    entry.paper = paper
    return Status(200 if existed else 201, entry_out(entry))


@router.delete(
    "/library/collections/{slug}/papers/{path:arxiv_id}",
    response={204: None, **FOUND_ERRORS},
    summary="Remove a paper from a collection",
)
def delete_paper(
    request: HttpRequest,
    slug: Slug,
    arxiv_id: ArxivId,
) -> Status[None]:
    """Take the paper (with its note and tags there) out of this collection; 404 when it is
    not in it."""
    user = _reader(request)
    collection = _collection(user, slug)
    paper = find_paper(arxiv_id)
    if not remove_entry(user, paper, collection):
        raise Http404(f"{paper.arxiv_id} is not in {collection.name[:100]!r}")
    return Status(204, None)


class ExportQuery(Schema):
    format: Literal["bibtex", "ris", "csv", "json"] = F(
        description="bibtex, ris, csv (Zotero's columns) or json; each reads back in with "
        "paperwire library import"
    )


# The answer is a file in the format asked for, not the API's JSON: the document says so.
EXPORT_CONTENT: dict[str, Any] = {
    FORMATS[name].content_type.split(";")[0]: {"schema": schema}
    for name, schema in [
        ("bibtex", {"type": "string"}),
        ("ris", {"type": "string"}),
        ("csv", {"type": "string"}),
        ("json", {"type": "array", "items": {"type": "object"}}),
    ]
}


@router.get(
    "/library/collections/{slug}/export",
    response={200: None, **FOUND_ERRORS},
    summary="Export a collection",
    openapi_extra={
        "responses": {
            200: {
                "description": "the collection as a file (Content-Disposition: attachment)",
                "content": EXPORT_CONTENT,
            }
        }
    },
)
def export_collection(request: HttpRequest, slug: Slug, params: Query[ExportQuery]) -> HttpResponse:
    """The collection's papers with your notes and tags, as a file for a reference manager."""
    collection = _collection(_reader(request), slug)
    chosen = FORMATS[params.format]
    body = export(entries_of(collection.owner, collection).filter(paper__hidden=False), chosen.name)
    response = HttpResponse(body, content_type=chosen.content_type)
    filename = f"{collection.slug}.{chosen.extension}"
    # RFC 6266's two spellings, so a slug in any script survives as the file's name.
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    return response


@public_router.get(
    "/public/collections/{token}",
    response={200: PublicCollectionOut, 400: Error, 404: Error},
    summary="A public collection",
)
def public_collection_papers(
    request: HttpRequest,
    token: Annotated[str, Path(description="the collection's public_token", max_length=200)],
    params: Query[Paging],
) -> dict[str, Any]:
    """Anyone with the link reads a public collection's papers, never its notes or tags; a
    private, deleted or forged one is not found."""
    collection = public_collection(token)
    if collection is None:
        raise Http404("there is no such public collection")
    entries = listed_entries(collection).defer(*(f"paper__{name}" for name in UNSHOWN))
    rows = list(entries[params.offset : params.offset + params.limit + 1])
    with_comment_counts(e.paper for e in rows[: params.limit])
    return {
        "name": collection.name,
        "limit": params.limit,
        "offset": params.offset,
        "has_more": len(rows) > params.limit,
        "papers": [paper_out(e.paper) for e in rows[: params.limit]],
    }
