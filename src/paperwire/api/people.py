"""The JSON API's people endpoints: an author's or an organisation's papers, categories and
co-authors (everyone's); following them and claiming authorship (the reader's token).

Names match whole and normalised (``catalogue.keys.name_key``: case and accents folded):
``/api/authors/yang li`` is Yang Li's papers and never Yang Liu's. A name in a path cannot
hold a slash; the site's pages take any name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
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
from paperwire.community.claims import Made, NotAnAuthor, TooManyPending
from paperwire.community.follows import TooManyFollows
from paperwire.community.models import Claim, Kind

router = Router(tags=["people"])

AUTH_ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error, 429: Error}
MAX_NAME = 300
# A name holds at least one letter or digit (else it normalises to nothing). Spelled as
# ranges, not \w, so that the document means the same to every reader of it: \w is ASCII in
# JSON Schema's regex dialect and Unicode in the server's. The ranges are letters only, of the
# scripts authors' names come in: Latin (with its accented letters), Greek, Cyrillic, Hebrew,
# Arabic, Devanagari, CJK, kana and Hangul.
NAME_PATTERN = (
    r"[0-9A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u0391-\u03A1\u03A3-\u03C9"
    r"\u0410-\u044F\u05D0-\u05EA\u0621-\u063A\u0641-\u064A\u0905-\u0939\u3041-\u3096"
    r"\u30A1-\u30FA\u4E00-\u9FFF\uAC00-\uD7A3]"
)

Name = Annotated[
    str,
    Path(
        description="the name, matched whole: case and accents do not matter",
        examples=["Yang Li"],
        max_length=MAX_NAME,
        pattern=NAME_PATTERN,
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
    name: str = F(max_length=MAX_NAME, pattern=NAME_PATTERN, examples=["Yang Li"])


class FollowOut(Schema):
    kind: KindName
    name: str
    key: str
    following: bool


class NameClaimIn(Schema):
    name: str = F(
        max_length=MAX_NAME,
        pattern=NAME_PATTERN,
        description="the author name you claim: every paper under it",
        examples=["Yang Li"],
    )


class PaperClaimIn(Schema):
    paper: str = F(
        max_length=300, description="the paper's arXiv id or arxiv.org URL", examples=["2401.01234"]
    )
    name: str = F(
        "",
        max_length=MAX_NAME,
        description="which author of the paper you are (optional; must be on the paper: 409)",
    )


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
    except TooManyFollows as exc:
        raise HttpError(429, str(exc)) from None
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


def _made(made: Made) -> Status[dict[str, Any]]:
    return Status(201 if made.created else 200, _claim(made.claim))


@router.post(
    "/claims/authors",
    auth=token_auth,
    response={200: ClaimOut, 201: ClaimOut, **AUTH_ERRORS},
    summary="Claim an author name",
)
def claim_name(request: HttpRequest, payload: NameClaimIn) -> Status[dict[str, Any]]:
    """Claim every paper under the name (matched whole). A moderator approves it; it is
    approved at once when your ORCID sign-in is the iD a paper's metadata gives that name.
    201 for a new claim, 200 for the one you already had; 429 when 20 wait already."""
    rate_limit(request, "claims", "RATE_LIMIT_SUBMISSIONS")
    with _claim_errors():
        return _made(claim_author(_user(request), payload.name))


@router.post(
    "/claims/papers",
    auth=token_auth,
    response={200: ClaimOut, 201: ClaimOut, **AUTH_ERRORS, 404: Error, 409: Error},
    summary="Claim one paper",
)
def claim_one_paper(request: HttpRequest, payload: PaperClaimIn) -> Status[dict[str, Any]]:
    """Claim authorship of one paper (with ``name``: which of its authors you are; 409 when
    the name is not on the paper). Approved as a name claim is."""
    rate_limit(request, "claims", "RATE_LIMIT_SUBMISSIONS")
    paper = find_paper(payload.paper)
    with _claim_errors():
        return _made(claim_paper(_user(request), paper, payload.name))


@contextmanager
def _claim_errors() -> Iterator[None]:
    try:
        yield
    except NotAnAuthor as exc:
        raise HttpError(409, str(exc)) from None
    except TooManyPending as exc:
        raise HttpError(429, str(exc)) from None
    except ClaimError as exc:
        raise HttpError(400, str(exc)) from None
