"""The reading-group queue: members propose papers for the next meeting and vote on them (one
vote per member and paper); a paper marked "discussed" leaves the queue.

The queue is also a feed at a private address per member. The address signs the member's
*membership* (its primary key) under a salt of its own, with ``django.core.signing`` as the
library's private feed addresses do (``library/addresses.py``; its functions sign collections
and readers, not memberships, so the idea is reused, not the code). A reader who leaves, or is
removed, loses the membership row, and with it every address made for it: a stale token
names nothing. Joining again makes a new membership and so new addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.groups.core import GroupError, NotFound
from paperwire.groups.models import Group, Membership, Proposal, QueueVote

FEED_SALT = "paperwire.groups.queue-feed"


@dataclass
class Queued:
    proposal: Proposal
    paper: Paper
    votes: int
    mine: bool  # the reader voted for it


def queue_of(group: Group, user: Any = None, *, limit: int | None = None) -> list[Queued]:
    """The group's open proposals, most votes first, then the earliest proposed: one query."""
    rows = (
        Proposal.objects.filter(group=group, discussed_at__isnull=True, paper__hidden=False)
        .select_related("paper", "proposed_by")
        .annotate(n=Count("votes"))
        .order_by("-n", "proposed_at", "pk")
    )
    if user is not None:
        rows = rows.annotate(
            mine=Exists(QueueVote.objects.filter(proposal=OuterRef("pk"), user=user))
        )
    if limit is not None:
        rows = rows[:limit]
    return [Queued(p, p.paper, p.n, bool(getattr(p, "mine", False))) for p in rows]


def queues_of(groups: list[int], limit: int) -> dict[int, list[tuple[int, int]]]:
    """group id -> its open proposals as (paper id, votes), most votes first: one query for
    any number of groups (the digest's batch)."""
    found: dict[int, list[tuple[int, int]]] = {g: [] for g in groups}
    if not groups:
        return found
    rows = (
        Proposal.objects.filter(group_id__in=groups, discussed_at__isnull=True, paper__hidden=False)
        .annotate(n=Count("votes"))
        .order_by("group_id", "-n", "proposed_at", "pk")
        .values_list("group_id", "paper_id", "n")
    )
    for group_id, paper_id, n in rows:
        if len(found[group_id]) < limit:
            found[group_id].append((paper_id, n))
    return found


def propose(member: Membership, paper: Paper) -> tuple[Proposal, bool]:
    """Put ``paper`` on the group's queue with the proposer's vote; (proposal, created).
    A paper already queued stays as it is; one discussed before comes back with no votes."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                proposal, created = Proposal.objects.get_or_create(
                    group=member.group,
                    paper=paper,
                    defaults={"proposed_by": member.user, "proposed_at": timezone.now()},
                )
        except IntegrityError:  # proposed at the same moment by another member
            proposal, created = Proposal.objects.get(group=member.group, paper=paper), False
        if not created and proposal.discussed_at is not None:
            proposal.votes.all().delete()
            proposal.discussed_at = None
            proposal.proposed_by = member.user
            proposal.proposed_at = timezone.now()
            proposal.save(update_fields=["discussed_at", "proposed_by", "proposed_at"])
            created = True
        if created:
            QueueVote.objects.get_or_create(proposal=proposal, user=member.user)
    return proposal, created


def proposal(member: Membership, pk: int) -> Proposal:
    found = (
        Proposal.objects.select_related("paper")
        .filter(pk=pk, group=member.group, discussed_at__isnull=True)
        .first()
    )
    if found is None:
        raise NotFound("that paper is not on the group's queue")
    return found


def vote(member: Membership, target: Proposal, on: bool = True) -> int:
    """Set (or take back) the member's one vote for ``target``; returns its votes now."""
    if target.group_id != member.group_id:
        raise NotFound("that paper is not on the group's queue")
    if target.discussed_at is not None:
        raise GroupError("that paper has been discussed: propose it again to vote on it")
    if on:
        try:
            with transaction.atomic():
                QueueVote.objects.get_or_create(proposal=target, user=member.user)
        except IntegrityError:
            pass  # the same click, twice at once: one vote
    else:
        QueueVote.objects.filter(proposal=target, user=member.user).delete()
    return target.votes.count()


def discussed(member: Membership, target: Proposal) -> None:
    """Take the paper off the queue: the group has discussed it."""
    if target.group_id != member.group_id:
        raise NotFound("that paper is not on the group's queue")
    Proposal.objects.filter(pk=target.pk).update(discussed_at=timezone.now())


# --- the private feed address ------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=FEED_SALT, sep=".")


def feed_token(member: Membership) -> str:
    """The token of the member's own address of the group's queue feed."""
    return _signer().sign(str(member.pk))


def member_for_feed(token: str) -> Membership | None:
    """The membership a queue-feed token names; None for a forged one, or one whose member
    has left or been removed (or whose account is blocked)."""
    try:
        pk = int(_signer().unsign(token[:200]))
    except (signing.BadSignature, ValueError):
        return None
    found = Membership.objects.select_related("group", "user").filter(pk=pk).first()
    if found is None or not found.user.is_active:
        return None
    return found
