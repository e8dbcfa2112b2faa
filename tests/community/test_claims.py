"""Claimed authorship: a name or a paper, approved by a moderator or by a matching ORCID iD;
what an approved claim changes (verified authors, the weight of the author's own votes)."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.socialaccount.models import SocialAccount  # type: ignore[import-untyped]

from paperwire.catalogue.models import Paper
from paperwire.community import (
    ClaimError,
    approve,
    claim_author,
    claim_paper,
    reject,
    verified_authors,
    withdraw,
)
from paperwire.community.models import ClaimStatus
from paperwire.community.votes import set_vote
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_claim_waits_for_a_moderator_and_then_makes_a_verified_author() -> None:
    yang = f.account("yang@example.org")
    mine = f.paper(authors=["Yang Li", "Ana Müller"])
    f.paper(authors=["Yang Liu"])
    made = claim_author(yang, "yang  LI")
    assert made.claim.status == ClaimStatus.PENDING
    assert verified_authors([mine.pk]) == {}
    approve([made.claim.pk])
    assert verified_authors([p.pk for p in Paper.objects.all()]) == {mine.pk: {yang.pk}}


def test_a_paper_claim_covers_that_paper_only() -> None:
    ana = f.account("ana@example.org")
    first = f.paper(authors=["Ana Müller"])
    second = f.paper(authors=["Ana Müller"])
    f.claim(ana, paper=first, name="ana muller")
    assert verified_authors([first.pk, second.pk]) == {first.pk: {ana.pk}}


def test_a_name_not_on_the_paper_is_refused_in_one_line() -> None:
    ana = f.account("ana@example.org")
    paper = f.paper(authors=["Yang Liu"])
    with pytest.raises(ClaimError, match=r"^'Yang Li' is not an author of 2501\.\d{5}$"):
        claim_paper(ana, paper, "Yang Li")


def test_orcid_sign_in_named_by_the_paper_is_approved_at_once() -> None:
    ana = f.account("ana@example.org")
    SocialAccount.objects.create(user=ana, provider="orcid", uid="0000-0002-1825-0097")
    named = f.paper(
        authors=["Ana Müller", "Bo Chen"],
        links=[
            {"kind": "orcid", "url": "https://orcid.org/0000-0002-1825-0097", "name": "Ana Muller"}
        ],
    )
    other = f.paper(authors=["Ana Müller"])
    assert claim_paper(ana, named).claim.status == ClaimStatus.APPROVED
    assert claim_paper(ana, other).claim.status == ClaimStatus.PENDING
    # Where the metadata gives the iD to another name, claiming as Ana waits for a moderator.
    elsewhere = f.paper(
        authors=["Ana Müller", "Bo Chen"],
        links=[
            {"kind": "orcid", "url": "https://orcid.org/0000-0002-1825-0097", "name": "Bo Chen"}
        ],
    )
    assert claim_paper(ana, elsewhere, "Ana Müller").claim.status == ClaimStatus.PENDING
    # A name claim is approved at once when a paper gives the reader's iD for that name.
    assert claim_author(ana, "Ana Muller").claim.status == ClaimStatus.APPROVED


def test_without_orcid_or_with_another_id_nothing_is_approved_at_once() -> None:
    ana = f.account("ana@example.org")
    paper = f.paper(
        authors=["Ana Müller"],
        links=[{"kind": "orcid", "url": "https://orcid.org/0000-0002-1825-0097"}],
    )
    assert claim_paper(ana, paper).claim.status == ClaimStatus.PENDING
    bo = f.account("bo@example.org")
    SocialAccount.objects.create(user=bo, provider="orcid", uid="0000-0001-5109-3700")
    assert claim_paper(bo, paper).claim.status == ClaimStatus.PENDING


def test_own_votes_on_own_papers_weigh_nothing_while_the_claim_is_approved() -> None:
    yang = f.account("yang@example.org")
    reader = f.account("reader@example.org")
    mine = f.paper(authors=["Yang Li"])
    theirs = f.paper(authors=["Yang Liu"])
    for paper in (mine, theirs):
        set_vote(yang, paper, voted=True)
    set_vote(reader, mine, voted=True)
    claim = claim_author(yang, "Yang Li").claim
    approve([claim.pk])
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.votes, mine.vote_weight) == (2, 1.0)  # the reader's vote only
    assert theirs.vote_weight == 1.0
    reject([claim.pk])
    mine.refresh_from_db()
    assert mine.vote_weight == 2.0
    approve([claim.pk])
    withdraw(yang, claim.pk)
    mine.refresh_from_db()
    assert mine.vote_weight == 2.0


def test_a_vote_cast_after_the_claim_weighs_nothing_and_restores_a_new_accounts_weight() -> None:
    fresh = f.account("fresh@example.org", age=dt.timedelta(hours=1))
    mine = f.paper(authors=["Yang Li"])
    claim = f.claim(fresh, name="Yang Li")
    set_vote(fresh, mine, voted=True)
    mine.refresh_from_db()
    assert mine.vote_weight == 0.0
    reject([claim.pk])
    mine.refresh_from_db()
    assert mine.vote_weight == 0.25  # as when it was cast: the account was an hour old
