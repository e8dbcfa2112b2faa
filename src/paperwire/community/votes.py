"""Upvotes: one per account per paper, toggled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F

from paperwire.catalogue.models import Paper
from paperwire.community.models import Vote
from paperwire.community.signals import announce_activity
from paperwire.community.trending import vote_weight


@dataclass(frozen=True)
class VoteState:
    arxiv_id: str
    voted: bool
    points: int


def toggle_vote(user: AbstractBaseUser, paper: Paper) -> VoteState:
    """Add the user's vote to the paper, or take it back if there is one."""
    voted = Vote.objects.filter(user=cast(User, user), paper=paper).exists()
    return set_vote(user, paper, voted=not voted)


def weight_for(account: User, paper_id: int, cast_at: dt.datetime | None = None) -> float:
    """What the account's vote on the paper is worth in trending: nothing on a paper the
    account is a verified author of (an author's own votes must not lift their own paper),
    else ``trending.vote_weight`` for the account's age when the vote was cast."""
    from paperwire.community.claims import own_paper_ids

    if own_paper_ids(account.pk, [paper_id]):
        return 0.0
    return vote_weight(account.date_joined, cast_at)


def reweigh(user_id: int) -> int:
    """Bring the account's votes' weights (and their papers' ``vote_weight``) in step with its
    claims, after one is approved, rejected or withdrawn. Returns the votes that changed."""
    from paperwire.community.claims import own_paper_ids

    account = User.objects.filter(pk=user_id).first()
    if account is None:
        return 0
    changed = 0
    with transaction.atomic():
        votes = list(Vote.objects.select_for_update().filter(user=account))
        own = own_paper_ids(account.pk, [v.paper_id for v in votes])
        for vote in votes:
            weight = (
                0.0 if vote.paper_id in own else vote_weight(account.date_joined, vote.created_at)
            )
            if weight != vote.weight:
                Vote.objects.filter(pk=vote.pk).update(weight=weight)
                Paper.objects.filter(pk=vote.paper_id).update(
                    vote_weight=F("vote_weight") + (weight - vote.weight)
                )
                changed += 1
    return changed


def set_vote(user: AbstractBaseUser, paper: Paper, *, voted: bool) -> VoteState:
    """Make the user's vote on the paper be ``voted``; idempotent under concurrent calls.

    The counters move only with a row that this call really inserted or deleted, so two
    clicks racing each other can neither count twice nor take back a vote twice.
    """
    account = cast(User, user)  # the project's user model
    with transaction.atomic():
        if voted:
            weight = weight_for(account, paper.pk)
            try:
                with transaction.atomic():
                    Vote.objects.create(user=account, paper=paper, weight=weight)
            except IntegrityError:
                pass  # already there: what was asked
            else:
                _add(paper, 1, weight)
        else:
            gone = list(
                Vote.objects.select_for_update()
                .filter(user=account, paper=paper)
                .values_list("pk", "weight")
            )
            for pk, weight in gone:
                if Vote.objects.filter(pk=pk).delete()[0]:
                    _add(paper, -1, -weight)
    paper.refresh_from_db(fields=["upvotes", "votes", "vote_weight"])
    return VoteState(paper.arxiv_id, voted, paper.points)


def voted_ids(user: User | AbstractBaseUser | AnonymousUser, arxiv_ids: list[str]) -> set[str]:
    if not isinstance(user, User) or not arxiv_ids:
        return set()
    return set(
        Vote.objects.filter(user=user, paper__arxiv_id__in=arxiv_ids).values_list(
            "paper__arxiv_id", flat=True
        )
    )


def _add(paper: Paper, count: int, weight: float) -> None:
    # .update() leaves modified_at alone: a vote must not send the paper back to the indexer.
    Paper.objects.filter(pk=paper.pk).update(
        votes=F("votes") + count, vote_weight=F("vote_weight") + weight
    )
    announce_activity()
