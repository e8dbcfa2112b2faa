"""The JSON API's comments endpoints: a paper's discussion, and posting, editing, deleting,
upvoting and reporting comments (bearer token, as the other writes).

``GET /papers/{id}/comments`` is public and shows what an anonymous visitor sees: visible
comments, plus a placeholder (state ``deleted`` or ``hidden``, empty body, no author) for a
removed comment that visible replies hang under, so every ``parent`` names an item of the
list. The list is flat, in reading order (each comment followed by its replies, oldest
first); ``parent`` and ``depth`` give the tree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Body, Field, Router, Schema, Status
from ninja.errors import HttpError

from paperwire.api.auth import rate_limit, token_auth
from paperwire.api.reads import ArxivId, find_paper
from paperwire.api.schemas import Error
from paperwire.api.writes import object_or_nothing
from paperwire.discussion import (
    MAX_BODY_CHARS,
    Comment,
    DiscussionError,
    Item,
    Reason,
    delete,
    edit,
    find,
    post,
    public_name,
    report,
    thread,
    vote,
)

router = Router(tags=["comments"])

ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
CHANGE_ERRORS: dict[int, type[Error]] = {**ERRORS, 409: Error}


class CommentOut(Schema):
    id: int
    paper: str = Field(description="the paper's arXiv id")
    parent: int | None = Field(description="the comment this one answers; null on the paper")
    depth: int = Field(description="1 for a comment on the paper, at most 4", ge=1, le=4)
    state: Literal["visible", "held", "hidden", "deleted"] = Field(
        description="held: waiting for a moderator (only its author is shown it: in the answer "
        "to the POST); hidden / deleted: a placeholder kept for its replies"
    )
    author: str | None = Field(description="the author's public name; null for a placeholder")
    claimed_author: bool = Field(description="the author is a verified author of the paper")
    body: str = Field(description="the Markdown as written; empty for a placeholder")
    html: str = Field(description="the body as sanitised HTML, maths as class=math elements")
    votes: int
    created_at: dt.datetime
    edited_at: dt.datetime | None
    url: str = Field(description="the comment on the site")


class CommentsOut(Schema):
    paper: str
    count: int = Field(description="visible comments (placeholders not counted)")
    comments: list[CommentOut]


class CommentIn(Schema):
    # "\S": some text besides spaces, which is what the server accepts.
    body: str = Field(
        description="Markdown; $x$ and $$x$$ are maths",
        min_length=1,
        max_length=MAX_BODY_CHARS,
        pattern=r"\S",
    )
    parent: int | None = Field(None, description="the id of the comment this one answers", ge=1)


class CommentEditIn(Schema):
    body: str = Field(
        description="the new Markdown", min_length=1, max_length=MAX_BODY_CHARS, pattern=r"\S"
    )


class CommentVoteIn(Schema):
    voted: bool | None = Field(
        None, strict=True, description="true: vote; false: take the vote back; absent: toggle"
    )


class CommentVoteOut(Schema):
    id: int
    voted: bool
    votes: int


ReasonName = Literal["spam", "abuse", "off-topic", "other"]


class ReportIn(Schema):
    reason: ReasonName = Field(
        "other", description=", ".join(f"{v}: {n}" for v, n in Reason.choices)
    )
    note: str = Field("", max_length=500, description="anything the moderators should know")


class ReportOut(Schema):
    comment: int
    reason: ReasonName
    note: str


def _out(comment: Comment, item: Item | None = None) -> dict[str, Any]:
    placeholder = bool(item and item.placeholder)
    return {
        "id": comment.pk,
        "paper": comment.paper.arxiv_id,
        "parent": comment.parent_id,
        "depth": comment.depth,
        "state": comment.state,
        "author": None if placeholder else (item.name if item else public_name(comment.author)),
        "claimed_author": bool(item and item.claimed_author),
        "body": "" if placeholder else comment.body,
        "html": "" if placeholder else comment.html,
        "votes": comment.votes,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "url": f"/papers/{comment.paper.arxiv_id}#comment-{comment.pk}",
    }


def _fail(exc: DiscussionError) -> HttpError:
    return HttpError(exc.status, str(exc))


def _comment(comment_id: int) -> Comment:
    try:
        return find(comment_id)
    except DiscussionError as exc:
        raise _fail(exc) from None


@router.get(
    "/papers/{path:arxiv_id}/comments",
    response={200: CommentsOut, 400: Error, 404: Error},
    summary="A paper's comments",
)
def list_comments(request: HttpRequest, arxiv_id: ArxivId) -> dict[str, Any]:
    """The paper's discussion as anyone sees it: a flat list in reading order with ``parent``
    and ``depth``."""
    paper = find_paper(arxiv_id)
    shown = thread(paper, None)
    for item in shown.items:
        item.comment.paper = paper  # one paper for all: no query per comment
    return {
        "paper": paper.arxiv_id,
        "count": shown.count,
        "comments": [_out(item.comment, item) for item in shown.items],
    }


@router.post(
    "/papers/{path:arxiv_id}/comments",
    auth=token_auth,
    response={201: CommentOut, **CHANGE_ERRORS},
    summary="Comment on a paper, or reply",
)
def add_comment(request: HttpRequest, arxiv_id: ArxivId, payload: CommentIn) -> Status[Any]:
    """Post a comment (a reply when ``parent`` is given). A new account's comment is held for
    a moderator: the answer says ``"state": "held"`` and nobody else sees it until approved.
    A ``parent`` that is not a comment on this paper is a 404; one that cannot be answered
    (held, hidden, deleted) a 409."""
    paper = find_paper(arxiv_id)
    rate_limit(request, "comments", "RATE_LIMIT_COMMENTS")
    try:
        made = post(request.user, paper, payload.body, payload.parent)
    except DiscussionError as exc:
        raise _fail(exc) from None
    made.paper = paper
    return Status(201, _out(made))


@router.patch(
    "/comments/{int:comment_id}",
    auth=token_auth,
    response={200: CommentOut, **CHANGE_ERRORS},
    summary="Edit your comment",
)
def edit_comment(request: HttpRequest, comment_id: int, payload: CommentEditIn) -> dict[str, Any]:
    """Replace your comment's text; the old text is kept in its history."""
    comment = _comment(comment_id)
    rate_limit(request, "comments", "RATE_LIMIT_COMMENTS")
    try:
        return _out(edit(request.user, comment, payload.body))
    except DiscussionError as exc:
        raise _fail(exc) from None


@router.delete(
    "/comments/{int:comment_id}",
    auth=token_auth,
    response={204: None, **ERRORS},
    summary="Delete your comment",
)
def delete_comment(request: HttpRequest, comment_id: int) -> Status[None]:
    """Its text and history go; with replies it stays as a placeholder."""
    comment = _comment(comment_id)
    try:
        delete(request.user, comment)
    except DiscussionError as exc:
        raise _fail(exc) from None
    return Status(204, None)


@router.post(
    "/comments/{int:comment_id}/vote",
    auth=token_auth,
    response={200: CommentVoteOut, **CHANGE_ERRORS},
    summary="Upvote a comment",
)
def vote_comment(
    request: HttpRequest, comment_id: int, payload: Body[CommentVoteIn | None] = None
) -> dict[str, Any]:
    """``{"voted": true}`` or ``{"voted": false}``; without a body, the vote is toggled."""
    object_or_nothing(request, '{"voted": true}')
    comment = _comment(comment_id)
    rate_limit(request, "comment votes", "RATE_LIMIT_VOTES")
    try:
        state = vote(request.user, comment, payload.voted if payload else None)
    except DiscussionError as exc:
        raise _fail(exc) from None
    return {"id": state.comment_id, "voted": state.voted, "votes": state.votes}


@router.post(
    "/comments/{int:comment_id}/report",
    auth=token_auth,
    response={201: ReportOut, **CHANGE_ERRORS},
    summary="Report a comment to the moderators",
)
def report_comment(
    request: HttpRequest, comment_id: int, payload: Body[ReportIn | None] = None
) -> Status[Any]:
    """Reporting the same comment again replaces your reason."""
    object_or_nothing(request, '{"reason": "spam"}')
    comment = _comment(comment_id)
    rate_limit(request, "reports", "RATE_LIMIT_REPORTS")
    given = payload or ReportIn(reason="other", note="")
    try:
        made = report(request.user, comment, given.reason, given.note)
    except DiscussionError as exc:
        raise _fail(exc) from None
    return Status(201, {"comment": comment.pk, "reason": made.reason, "note": made.note})
