"""The reader's inbox through the API: their notifications, newest first, and marking them
read. Every operation needs the reader's token and sees only the reader's own notifications:
an id of anyone else's is simply not found (it changes nothing and is not counted)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Body, Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BeforeValidator

from paperwire.api.auth import token_auth
from paperwire.api.reads import Paging
from paperwire.api.schemas import Error
from paperwire.inbox import Kind, Notification, inbox_for, mark_read, unread_count

router = Router(tags=["inbox"], auth=token_auth)

# ninja answers 400 for a request its schemas refuse, TokenAuth 401 without a valid token and
# 403 for a blocked account.
AUTH_ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error}


class CommentRef(Schema):
    id: int
    author: str = Field(description="how the discussion names the comment's author")
    excerpt: str = Field(description="the comment's text without markup, cut near 240 characters")
    url: str = Field(description="the comment on its paper's page")


class NotificationOut(Schema):
    id: int
    kind: str = Field(description=" · ".join(f"{k.value}: {k.label}" for k in Kind))
    paper: str = Field(description="the paper's arXiv id")
    paper_title: str
    comment: CommentRef
    created_at: dt.datetime
    read_at: dt.datetime | None = Field(description="null while unread")


class InboxOut(Schema):
    unread: int = Field(description="unread notifications in all")
    limit: int
    offset: int
    has_more: bool
    notifications: list[NotificationOut] = Field(description="the newest first")


def _not_a_bool(value: object) -> object:
    # pydantic would read true and false as 1 and 0; 3.0 stays allowed (JSON's integer).
    if isinstance(value, bool):
        raise ValueError("a notification id is a whole number, not true or false")
    return value


# A notification's key: a positive 64-bit integer (a bigger one would overflow the database).
NotificationId = Annotated[int, Field(ge=1, le=2**63 - 1), BeforeValidator(_not_a_bool)]


class ReadIn(Schema):
    # Strict, as VoteIn: pydantic would read false as notification 0 and "yes" as true, which
    # the schema does not allow and a client sending them most likely did not mean.
    ids: list[NotificationId] = Field(default_factory=list, max_length=1000)
    all: bool = Field(
        False, strict=True, description="mark every notification read (ids are then ignored)"
    )


class ReadOut(Schema):
    marked: int = Field(description="notifications that were unread and now are read")
    unread: int


def _reader(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def notification_out(n: Notification) -> dict[str, Any]:
    from paperwire.discussion import excerpt, public_name

    return {
        "id": n.pk,
        "kind": n.kind,
        "paper": n.paper.arxiv_id,
        "paper_title": n.paper.title,
        "comment": {
            "id": n.comment_id,
            "author": public_name(n.comment.author),
            "excerpt": excerpt(n.comment.body, 240),
            "url": f"/papers/{n.paper.arxiv_id}#comment-{n.comment_id}",
        },
        "created_at": n.created,
        "read_at": n.read_at,
    }


@router.get("/inbox", response={200: InboxOut, **AUTH_ERRORS}, summary="Your notifications")
def inbox(request: HttpRequest, params: Query[Paging]) -> dict[str, Any]:
    """Replies to your comments and comments on papers you saved or authored, newest first.
    A notification whose comment was hidden or deleted is no longer listed."""
    user = _reader(request)
    rows = list(inbox_for(user)[params.offset : params.offset + params.limit + 1])
    return {
        "unread": unread_count(user),
        "limit": params.limit,
        "offset": params.offset,
        "has_more": len(rows) > params.limit,
        "notifications": [notification_out(n) for n in rows[: params.limit]],
    }


@router.post(
    "/inbox/read", response={200: ReadOut, **AUTH_ERRORS}, summary="Mark notifications read"
)
def read(request: HttpRequest, body: Body[ReadIn]) -> dict[str, Any]:
    """``{"ids": [1, 2]}`` marks those read, ``{"all": true}`` every one. Ids that are not
    yours, or already read, change nothing; so does ``{}`` (valid by the schema, so not an
    error: it answers with the unread count)."""
    user = _reader(request)
    # ninja fills a model whose fields all have defaults from any JSON body, even a list:
    # anything but an object is refused, as the document says.
    if not request.body.lstrip().startswith(b"{"):
        raise HttpError(400, 'the body must be a JSON object: {"ids": [...]} or {"all": true}')
    marked = mark_read(user, None if body.all else body.ids)
    return {"marked": marked, "unread": unread_count(user)}
