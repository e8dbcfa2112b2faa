"""Upvotes: one per account per paper, toggled."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
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
    with transaction.atomic():
        existing = Vote.objects.filter(user=user, paper=paper).first()
        if existing is not None:
            existing.delete()
            _add(paper, -1, -existing.weight)
            voted = False
        else:
            weight = vote_weight(user.date_joined)  # type: ignore[attr-defined]
            try:
                with transaction.atomic():
                    Vote.objects.create(user=user, paper=paper, weight=weight)
            except IntegrityError:
                # A second click raced the first: the vote is there, which is what was asked.
                voted = True
            else:
                _add(paper, 1, weight)
                voted = True
    paper.refresh_from_db(fields=["upvotes", "votes", "vote_weight"])
    return VoteState(paper.arxiv_id, voted, paper.points)


def set_vote(user: AbstractBaseUser, paper: Paper, *, voted: bool) -> VoteState:
    """Make the user's vote on the paper be ``voted`` (idempotent, for the API)."""
    has = Vote.objects.filter(user=user, paper=paper).exists()
    if has != voted:
        return toggle_vote(user, paper)
    return VoteState(paper.arxiv_id, voted, paper.points)


def voted_ids(user: AbstractBaseUser, arxiv_ids: list[str]) -> set[str]:
    if not user.is_authenticated or not arxiv_ids:
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
