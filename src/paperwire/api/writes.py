"""The write endpoints: upvote and submit (bearer token), and API tokens (signed-in session)."""

from __future__ import annotations

from typing import Any

import orjson
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from ninja import Body, Router, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from paperwire.api.auth import rate_limit, token_auth
from paperwire.api.reads import ArxivId, find_paper
from paperwire.api.schemas import (
    Error,
    NewTokenOut,
    SubmitIn,
    SubmitOut,
    TokenIn,
    TokenOut,
    VoteIn,
    VoteOut,
)
from paperwire.api.serialize import paper_out
from paperwire.community.models import ApiToken
from paperwire.community.submissions import SubmissionError, submit
from paperwire.community.votes import set_vote, toggle_vote

router = Router(tags=["community"])

WRITE_ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error, 429: Error}


def object_or_nothing(request: HttpRequest, example: str) -> None:
    """An optional body is a JSON object or nothing (as the OpenAPI document says). ninja reads
    a body that is not an object (``null``, ``[1]``, ``"true"``) as no body at all; for a vote
    that would silently mean "toggle", so it is refused."""
    if request.body.strip():
        try:
            data = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise HttpError(400, f"the body must be a JSON object such as {example}, or empty")


def _user(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


@router.post(
    "/papers/{path:arxiv_id}/upvote",
    auth=token_auth,
    response={200: VoteOut, 404: Error, **WRITE_ERRORS},
    summary="Upvote a paper",
)
def upvote(
    request: HttpRequest, arxiv_id: ArxivId, payload: Body[VoteIn | None] = None
) -> dict[str, Any]:
    """Set your vote with ``{"voted": true}`` or ``{"voted": false}``; without a body, the
    vote is toggled. Answers whether you now vote for it and its upvotes."""
    user = _user(request)
    object_or_nothing(request, '{"voted": true}')
    paper = find_paper(arxiv_id)
    rate_limit(request, "votes", "RATE_LIMIT_VOTES")
    if payload is None or payload.voted is None:
        state = toggle_vote(user, paper)
    else:
        state = set_vote(user, paper, voted=payload.voted)
    return {"id": state.arxiv_id, "voted": state.voted, "upvotes": state.points}


@router.post(
    "/submit",
    auth=token_auth,
    response={201: SubmitOut, **WRITE_ERRORS},
    summary="Submit a paper to today's list",
)
def submit_paper(request: HttpRequest, payload: SubmitIn) -> Status[dict[str, Any]]:
    """Put a paper on today's list by arXiv id or arxiv.org URL; a paper new to this site is
    fetched from arXiv first."""
    user = _user(request)
    rate_limit(request, "submissions", "RATE_LIMIT_SUBMISSIONS")
    try:
        done = submit(user, payload.paper)
    except SubmissionError as exc:
        raise HttpError(400, str(exc)) from None
    paper = done.paper
    return Status(
        201, {"day": paper.daily_date, "fetched": done.fetched, "paper": paper_out(paper)}
    )


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
    }


@router.post(
    "/tokens",
    auth=django_auth,
    response={201: NewTokenOut, 400: Error, 401: Error, 403: Error},
    summary="Create an API token (signed-in session)",
    tags=["tokens"],
)
def create_token(request: HttpRequest, payload: TokenIn | None = None) -> Status[dict[str, Any]]:
    """For a signed-in browser session (with the CSRF token in ``X-CSRFToken``): a new token,
    whose secret is in this answer only."""
    object_or_nothing(request, '{"name": "my laptop"}')
    name = " ".join((payload.name if payload else "token").split()) or "token"
    name = "".join(ch for ch in name if ch.isprintable())[:100] or "token"
    token, raw = ApiToken.issue(_user(request), name)
    return Status(201, {**_token(token), "token": raw})


@router.get(
    "/tokens",
    auth=django_auth,
    response={200: list[TokenOut], 401: Error},
    summary="Your API tokens (signed-in session)",
    tags=["tokens"],
)
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    tokens = ApiToken.objects.filter(user_id=_user(request).pk).order_by("-created_at", "-pk")
    return [_token(t) for t in tokens]


@router.delete(
    "/tokens/{int:token_id}",
    auth=django_auth,
    response={204: None, 401: Error, 403: Error, 404: Error},
    summary="Revoke an API token (signed-in session)",
    tags=["tokens"],
)
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    deleted, _ = ApiToken.objects.filter(user_id=_user(request).pk, pk=token_id).delete()
    if not deleted:
        raise Http404(f"you have no token {token_id}")
    return Status(204, None)
