"""The JSON API's people endpoints: an author's or an organisation's papers, categories and
co-authors (everyone's); following them and claiming authorship (the reader's token).

Names match whole and normalised (``catalogue.keys.name_key``: case and accents folded):
``/api/authors/yang li`` is Yang Li's papers and never Yang Liu's. A name in a path cannot
hold a slash; the site's pages take any name.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field as F
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from paperwire.api.auth import rate_limit, token_auth
from paperwire.api.reads import Paging, find_paper
from paperwire.api.schemas import Error, PaperOut
from paperwire.api.serialize import paper_out, with_comment_counts
from paperwire.community import (
    ClaimError,
    FollowError,
    claim_author,
    claim_paper,
    claims_of,
    follows_of,
    name_papers,
    profile,
    set_follow,
)
from paperwire.community.models import Claim, Kind

router = Router(tags=["people"])

AUTH_ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error, 429: Error}
MAX_NAME = 300

Name = Annotated[
    str,
    Path(
        description="the name, matched whole: case and accents do not matter",
        examples=["Yang Li"],
        max_length=MAX_NAME,
    ),
]
KindName = Literal["author", "org"]


class Count(Schema):
    name: str
    count: int


class NameOut(Schema):
    kind: KindName
    name: str = F(description="as the catalogue spells it most often")
    key: str = F(description="the normalised name every match uses")
    count: int = F(description="visible papers under the name")
    categories: list[Count] = F(description="its most frequent categories, with paper counts")
    coauthors: list[Count] = F(
        description="an author's most frequent co-authors; an organisation's authors"
    )
    url: str = F(description="the page on this site")
    limit: int
    offset: int
    has_more: bool
    papers: list[PaperOut] = F(description="newest first")


class FollowIn(Schema):
    kind: KindName = "author"
    name: str = F(min_length=1, max_length=MAX_NAME)


class FollowOut(Schema):
    kind: KindName
    name: str
    key: str
    following: bool


class ClaimIn(Schema):
    name: str = F(
        "",
        max_length=MAX_NAME,
        description="the author name you claim (alone: every paper under it; with a paper: "
        "which author of it you are)",
    )
    paper: str | None = F(None, description="an arXiv id, to claim that one paper")


class ClaimOut(Schema):
    id: int
    name: str
    paper: str | None
    status: Literal["pending", "approved", "rejected"]
    how: str = F(description='"orcid" when approved by your ORCID sign-in, else "moderator"')
    created_at: dt.datetime
    decided_at: dt.datetime | None


def _name(request: HttpRequest, kind: str, name: str, paging: Paging) -> dict[str, Any]:
    about = profile(kind, name)
    if not about.count:
        raise HttpError(404, f"no papers under the name {' '.join(name.split())[:100]!r}")
    rows = name_papers(kind, name, paging.offset, paging.limit + 1)
    papers = with_comment_counts(rows[: paging.limit])
    return {
        "kind": kind,
        "name": about.name,
        "key": about.key,
        "count": about.count,
        "categories": [{"name": c, "count": n} for c, n in about.categories],
        "coauthors": [{"name": c, "count": n} for c, n in about.coauthors],
        "url": ("/authors/" if kind == Kind.AUTHOR else "/orgs/") + quote(about.name, safe=""),
        "limit": paging.limit,
        "offset": paging.offset,
        "has_more": len(rows) > paging.limit,
        "papers": [paper_out(p) for p in papers],
    }


@router.get(
    "/authors/{name}",
    response={200: NameOut, 400: Error, 404: Error},
    summary="An author's papers, categories and co-authors",
)
def author(request: HttpRequest, name: Name, paging: Query[Paging]) -> dict[str, Any]:
    return _name(request, Kind.AUTHOR, name, paging)


@router.get(
    "/orgs/{name}",
    response={200: NameOut, 400: Error, 404: Error},
    summary="An organisation's papers, categories and authors",
)
def org(request: HttpRequest, name: Name, paging: Query[Paging]) -> dict[str, Any]:
    return _name(request, Kind.ORG, name, paging)


def _user(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


@router.get(
    "/follows",
    auth=token_auth,
    response={200: list[FollowOut], **AUTH_ERRORS},
    summary="The authors and organisations you follow",
)
def my_follows(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"kind": f.kind, "name": f.name, "key": f.key, "following": True}
        for f in follows_of(_user(request))
    ]


@router.post(
    "/follows",
    auth=token_auth,
    response={200: FollowOut, **AUTH_ERRORS},
    summary="Follow an author or an organisation",
)
def follow(request: HttpRequest, payload: FollowIn) -> dict[str, Any]:
    return _follow(request, payload, following=True)


@router.delete(
    "/follows/{kind}/{name}",
    auth=token_auth,
    response={200: FollowOut, **AUTH_ERRORS},
    summary="Stop following an author or an organisation",
)
def unfollow(request: HttpRequest, kind: KindName, name: Name) -> dict[str, Any]:
    return _follow(request, FollowIn(kind=kind, name=name), following=False)


def _follow(request: HttpRequest, payload: FollowIn, *, following: bool) -> dict[str, Any]:
    rate_limit(request, "follows", "RATE_LIMIT_VOTES")
    try:
        state = set_follow(_user(request), payload.kind, payload.name, following=following)
    except FollowError as exc:
        raise HttpError(400, str(exc)) from None
    return {"kind": state.kind, "name": state.name, "key": state.key, "following": following}


def _claim(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "name": claim.name,
        "paper": claim.paper.arxiv_id if claim.paper is not None else None,
        "status": claim.status,
        "how": claim.how,
        "created_at": claim.created_at,
        "decided_at": claim.decided_at,
    }


@router.get(
    "/claims",
    auth=token_auth,
    response={200: list[ClaimOut], **AUTH_ERRORS},
    summary="Your authorship claims, newest first",
)
def my_claims(request: HttpRequest) -> list[dict[str, Any]]:
    return [_claim(c) for c in claims_of(_user(request))]


@router.post(
    "/claims",
    auth=token_auth,
    response={200: ClaimOut, 201: ClaimOut, **AUTH_ERRORS, 404: Error},
    summary="Claim an author name, or one paper",
)
def make_claim(request: HttpRequest, payload: ClaimIn) -> Status[dict[str, Any]]:
    """``{"name": "Yang Li"}`` claims every paper under the name; ``{"paper": "2401.01234"}``
    (with ``name``: which author of it you are) claims one paper. A moderator approves it; it
    is approved at once when your ORCID sign-in is the iD the paper's metadata names. 201 for
    a new claim, 200 for the one you already had."""
    user = _user(request)
    rate_limit(request, "claims", "RATE_LIMIT_SUBMISSIONS")
    try:
        if payload.paper:
            made = claim_paper(user, find_paper(payload.paper), payload.name)
        elif payload.name.strip():
            made = claim_author(user, payload.name)
        else:
            raise HttpError(400, 'give the "name" you claim, or the "paper"')
    except ClaimError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(201 if made.created else 200, _claim(made.claim))
