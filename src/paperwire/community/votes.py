"""Upvotes: one per account per paper, toggled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F

from paperwire.catalogue.models import Paper
from paperwire.community.models import Vote
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


def set_vote(user: AbstractBaseUser, paper: Paper, *, voted: bool) -> VoteState:
    """Make the user's vote on the paper be ``voted``; idempotent under concurrent calls.

    The counters move only with a row that this call really inserted or deleted, so two
    clicks racing each other can neither count twice nor take back a vote twice.
    """
    account = cast(User, user)  # the project's user model
    with transaction.atomic():
        if voted:
            weight = vote_weight(account.date_joined)
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
