"""Trending ignores a verified author's own votes on their own papers, and counts them again
when the claim is rejected; other readers' votes on the paper count as ever."""

from __future__ import annotations

import pytest

from paperwire.community import approve, claim_author, reject
from paperwire.community.trending import trending
from paperwire.community.votes import set_vote
from tests.factories import account, paper

pytestmark = pytest.mark.django_db


def order() -> list[str]:
    return [p.title for p in trending()]


def test_an_authors_own_votes_do_not_lift_their_paper() -> None:
    own = paper(title="Own", authors=["Yang Li"])
    other = paper(title="Other", authors=["Yang Liu"])
    author = account("yang@example.org")
    friend = account("friend@example.org")
    set_vote(author, own, voted=True)
    set_vote(friend, own, voted=True)
    set_vote(friend, other, voted=True)
    set_vote(account("third@example.org"), other, voted=False)
    assert order() == ["Own", "Other"]  # 2 votes against 1
    claim = claim_author(author, "Yang Li").claim
    approve([claim.pk])
    points = {p.title: p.points_weighted for p in trending()}  # type: ignore[attr-defined]
    assert points == {"Own": 1.0, "Other": 1.0}
    own.refresh_from_db()
    assert own.points == 2  # the count still shows both votes
    reject([claim.pk])
    again = {p.title: p.points_weighted for p in trending()}  # type: ignore[attr-defined]
    assert again == {"Own": 2.0, "Other": 1.0}
