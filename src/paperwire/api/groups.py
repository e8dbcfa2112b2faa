"""The JSON API's groups endpoints: your groups, a group's collections, its reading queue and
its week; propose a paper and vote on the queue.

Every operation needs the reader's token and looks the group up through the reader's own
membership (``groups.membership``): to a non-member, or a reader who left or was removed, a
group is simply not there (404, never 403), and its name is never in the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from paperwire import groups
from paperwire.api.auth import rate_limit, token_auth
from paperwire.api.reads import UNSHOWN, Paging, find_paper
from paperwire.api.schemas import Error, PaperOut
from paperwire.api.serialize import paper_out, with_comment_counts
from paperwire.catalogue.periods import BadPeriod, parse_week
from paperwire.groups import GroupError, Membership, NotFound, Queued

router = Router(tags=["groups"], auth=token_auth)

AUTH_ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error}
FOUND_ERRORS: dict[int, type[Error]] = {**AUTH_ERRORS, 404: Error}
QUEUE_ITEMS = 100

GroupSlug = Annotated[
    str, Path(description="the group's slug, as /api/groups lists it", max_length=100)
]
CollectionSlug = Annotated[
    str, Path(description="the collection's slug, as the group's collections list it")
]


class GroupOut(Schema):
    slug: str = Field(description="the group's address: /api/groups/{slug}/…")
    name: str
    role: str = Field(description="yours: owner or member")
    members: int
    joined_at: dt.datetime


class GroupsOut(Schema):
    groups: list[GroupOut]


class SharedCollectionOut(Schema):
    slug: str
    name: str
    papers: int


class SharedCollectionsOut(Schema):
    group: str
    collections: list[SharedCollectionOut]


class SharedPaperOut(PaperOut):
    added_by: str | None = Field(description="the member who added it (None if they left)")
    added_at: dt.datetime


class SharedPapersOut(Schema):
    collection: SharedCollectionOut
    limit: int
    offset: int
    has_more: bool
    papers: list[SharedPaperOut] = Field(description="the newest added first")


class QueuedOut(Schema):
    proposal: int = Field(description="the proposal's id, for voting: …/queue/{proposal}/vote")
    paper: PaperOut
    votes: int
    voted: bool = Field(description="whether you voted for it")
    proposed_by: str | None
    proposed_at: dt.datetime


class QueueOut(Schema):
    group: str
    queue: list[QueuedOut] = Field(description="open proposals, most votes first")


class ProposeIn(Schema):
    paper: str = Field(
        description="an arXiv id in either scheme (any version) or an arxiv.org URL",
        min_length=1,
        max_length=300,
        examples=["2501.01234"],
    )


class VotesOut(Schema):
    proposal: int
    votes: int
    voted: bool


class WeekPaperOut(PaperOut):
    upvotes_in_group: int = Field(description="members who upvoted it in the week")
    saved_in: list[str] = Field(description="the group's collections it was added to that week")


class WeekOut(Schema):
    group: str
    week: str = Field(description="YYYY-Www")
    label: str
    papers: list[WeekPaperOut]


class WeekQuery(Schema):
    week: str | None = Field(
        None, description="YYYY-Www (ISO week); this week when left out", max_length=20
    )


def _reader(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _member(request: HttpRequest, slug: str) -> Membership:
    try:
        return groups.membership(_reader(request), slug)
    except NotFound:
        raise Http404(f"you are in no group {slug[:100]!r}") from None


def _queued_out(queued: Queued) -> dict[str, Any]:
    return {
        "proposal": queued.proposal.pk,
        "paper": paper_out(queued.paper),
        "votes": queued.votes,
        "voted": queued.mine,
        "proposed_by": getattr(queued.proposal.proposed_by, "email", None),
        "proposed_at": queued.proposal.proposed_at,
    }


@router.get("/groups", response={200: GroupsOut, **AUTH_ERRORS}, summary="Your groups")
def my_groups(request: HttpRequest) -> dict[str, Any]:
    """The groups you are a member of, by name, with your role in each."""
    from django.db.models import Count

    rows = (
        Membership.objects.filter(user=_reader(request))
        .select_related("group")
        .annotate(n=Count("group__memberships"))
        .order_by("group__name", "group__pk")
    )
    return {
        "groups": [
            {
                "slug": m.group.slug,
                "name": m.group.name,
                "role": m.role,
                "members": m.n,
                "joined_at": m.joined_at,
            }
            for m in rows
        ]
    }


@router.get(
    "/groups/{slug}/collections",
    response={200: SharedCollectionsOut, **FOUND_ERRORS},
    summary="A group's collections",
)
def group_collections(request: HttpRequest, slug: GroupSlug) -> dict[str, Any]:
    """The group's shared collections, by name, with how many papers each holds."""
    from django.db.models import Count, Q

    member = _member(request, slug)
    rows = groups.collections_of(member.group).annotate(
        n=Count("items", filter=Q(items__paper__hidden=False))
    )
    return {
        "group": member.group.slug,
        "collections": [{"slug": c.slug, "name": c.name, "papers": c.n} for c in rows],
    }


@router.get(
    "/groups/{slug}/collections/{collection}",
    response={200: SharedPapersOut, **FOUND_ERRORS},
    summary="A group collection's papers",
)
def group_collection(
    request: HttpRequest, slug: GroupSlug, collection: CollectionSlug, params: Query[Paging]
) -> dict[str, Any]:
    member = _member(request, slug)
    try:
        shared = groups.collection(member, collection)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    items = groups.listed_items(shared).defer(*(f"paper__{name}" for name in UNSHOWN))
    rows = list(items[params.offset : params.offset + params.limit + 1])
    with_comment_counts(item.paper for item in rows[: params.limit])
    return {
        "collection": {
            "slug": shared.slug,
            "name": shared.name,
            "papers": shared.items.filter(paper__hidden=False).count(),
        },
        "limit": params.limit,
        "offset": params.offset,
        "has_more": len(rows) > params.limit,
        "papers": [
            {
                **paper_out(item.paper),
                "added_by": getattr(item.added_by, "email", None),
                "added_at": item.added_at,
            }
            for item in rows[: params.limit]
        ],
    }


@router.get(
    "/groups/{slug}/queue",
    response={200: QueueOut, **FOUND_ERRORS},
    summary="A group's reading queue",
)
def group_queue(request: HttpRequest, slug: GroupSlug) -> dict[str, Any]:
    """Papers proposed for the next meeting, most votes first (the first 100)."""
    member = _member(request, slug)
    found = groups.queue_of(member.group, member.user, limit=QUEUE_ITEMS)
    with_comment_counts(q.paper for q in found)
    return {"group": member.group.slug, "queue": [_queued_out(q) for q in found]}


@router.post(
    "/groups/{slug}/queue",
    response={200: QueuedOut, 201: QueuedOut, **FOUND_ERRORS},
    summary="Propose a paper for the next meeting",
)
def propose(request: HttpRequest, slug: GroupSlug, payload: ProposeIn) -> Status[dict[str, Any]]:
    """Put the paper on the group's queue with your vote (201); a paper already on it stays
    as it is (200)."""
    member = _member(request, slug)
    paper = find_paper(payload.paper)
    rate_limit(request, "group writes", "RATE_LIMIT_VOTES")
    proposal, created = groups.propose(member, paper)
    queued = Queued(
        proposal,
        paper,
        proposal.votes.count(),
        proposal.votes.filter(user=member.user).exists(),
    )
    return Status(201 if created else 200, _queued_out(queued))


def _vote(request: HttpRequest, slug: str, proposal: int, on: bool) -> dict[str, Any]:
    member = _member(request, slug)
    rate_limit(request, "group writes", "RATE_LIMIT_VOTES")
    try:
        target = groups.proposal(member, proposal)
        votes = groups.vote(member, target, on)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    except GroupError as exc:
        raise HttpError(409, str(exc)) from None
    return {"proposal": target.pk, "votes": votes, "voted": on}


ProposalId = Annotated[int, Path(description="the proposal's id, as the queue lists it")]


@router.put(
    "/groups/{slug}/queue/{proposal}/vote",
    response={200: VotesOut, 409: Error, **FOUND_ERRORS},
    summary="Vote for a proposed paper",
)
def vote(request: HttpRequest, slug: GroupSlug, proposal: ProposalId) -> dict[str, Any]:
    """Your one vote for the paper: voting twice is still one vote."""
    return _vote(request, slug, proposal, True)


@router.delete(
    "/groups/{slug}/queue/{proposal}/vote",
    response={200: VotesOut, 409: Error, **FOUND_ERRORS},
    summary="Take back your vote",
)
def unvote(request: HttpRequest, slug: GroupSlug, proposal: ProposalId) -> dict[str, Any]:
    return _vote(request, slug, proposal, False)


@router.post(
    "/groups/{slug}/queue/{proposal}/discussed",
    response={204: None, **FOUND_ERRORS},
    summary="Mark a proposed paper discussed",
)
def discussed(request: HttpRequest, slug: GroupSlug, proposal: ProposalId) -> Status[None]:
    """The group has discussed it: it leaves the queue."""
    member = _member(request, slug)
    rate_limit(request, "group writes", "RATE_LIMIT_VOTES")
    try:
        target = groups.proposal(member, proposal)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    groups.discussed(member, target)
    return Status(204, None)


@router.get(
    "/groups/{slug}/week",
    response={200: WeekOut, **FOUND_ERRORS},
    summary="What the group saved and upvoted in a week",
)
def group_week(request: HttpRequest, slug: GroupSlug, params: Query[WeekQuery]) -> dict[str, Any]:
    """Papers the group's members upvoted, or added to the group's collections, in the week
    (this week unless ``week`` names another), the most upvoted first."""
    member = _member(request, slug)
    try:
        period = parse_week(params.week) if params.week is not None else groups.this_week()
    except BadPeriod as exc:
        raise HttpError(400, str(exc)) from None
    found = groups.week(member.group, period)
    with_comment_counts(row.paper for row in found.papers)
    return {
        "group": member.group.slug,
        "week": period.slug,
        "label": period.label,
        "papers": [
            {**paper_out(row.paper), "upvotes_in_group": row.upvotes, "saved_in": row.saved_in}
            for row in found.papers
        ],
    }
