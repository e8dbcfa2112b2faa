"""Claimed authorship: a reader says "this is me", for an author name or for one paper.

A claim waits for a moderator (the admin, or ``paperwire claims approve``), as on Hugging Face,
unless the reader signed in with ORCID and the paper's metadata names that same iD: then it is
approved at once. An approved claim makes the reader a *verified author* of the paper (every
paper under the name, for a name claim): a badge on their papers and comments, notices of
comments on their papers (the inbox asks ``verified_authors``), and their own votes on their
own papers count for nothing in trending (``votes.reweigh``).

Where ORCID iDs could come from: no source paperwire reads today (arXiv's API, OAI-PMH, the
Kaggle snapshot, the daily listings, Hugging Face's daily papers) names authors' ORCID iDs,
so no paper carries one yet. The rule reads them from the paper's links, where a source that
has them would put them: ``{"kind": "orcid", "url": "https://orcid.org/<iD>", "name": ...}``
(``name`` is the author the iD belongs to, when the source says).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from paperwire.catalogue.keys import AUTHOR, name_key
from paperwire.catalogue.models import Paper
from paperwire.community.models import Claim, ClaimStatus

ORCID_LINK = "orcid"
# An ORCID iD: four groups of four, the last character a digit or X (ISO 7064 checksum).
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")
MAX_PENDING = 20  # per account: enough for a real author, too few to flood the moderators


class ClaimError(ValueError):
    """A claim that cannot be made; the message is one line for the reader."""


class NotAnAuthor(ClaimError):
    """The name a paper claim gives is not among the paper's authors."""


class TooManyPending(ClaimError):
    """The account has ``MAX_PENDING`` claims waiting for a moderator."""


@dataclass(frozen=True)
class Made:
    claim: Claim
    created: bool


def orcid_of(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The ORCID iD the account signed in with (allauth's SocialAccount, provider "orcid")."""
    if not isinstance(user, User):
        return None
    from allauth.socialaccount.models import SocialAccount  # type: ignore[import-untyped]

    uid = (
        SocialAccount.objects.filter(user=user, provider="orcid")
        .values_list("uid", flat=True)
        .first()
    )
    found = _ORCID.search(uid or "")
    return found.group(1) if found else None


def paper_orcids(paper: Paper) -> dict[str, str]:
    """ORCID iD -> the name_key of the author it belongs to ("" when the source does not say),
    from the paper's metadata (see the module's note: no current source fills it)."""
    found: dict[str, str] = {}
    for link in paper.links or []:
        if link.get("kind") != ORCID_LINK:
            continue
        match = _ORCID.search(link.get("url", "") or link.get("id", ""))
        if match:
            found[match.group(1)] = name_key(link.get("name", "") or "")
    return found


def orcid_matches(user: AbstractBaseUser | AnonymousUser, paper: Paper, key: str = "") -> bool:
    """Whether the paper's metadata names the account's ORCID iD (as the author ``key``, when
    both the claim and the metadata name one)."""
    orcid = orcid_of(user)
    if orcid is None:
        return False
    named = paper_orcids(paper)
    if orcid not in named:
        return False
    return not key or not named[orcid] or named[orcid] == key


def claim_paper(user: AbstractBaseUser, paper: Paper, name: str = "") -> Made:
    """Claim authorship of one paper (as the author ``name`` on it, if given)."""
    account = _account(user)
    key = name_key(name)[:300]
    if key and AUTHOR + key not in (paper.match_keys or []):
        raise NotAnAuthor(f"{name.strip()[:100]!r} is not an author of {paper.arxiv_id}")
    if paper.hidden:
        raise ClaimError(f"{paper.arxiv_id} has been hidden by the moderators")
    existing = (
        Claim.objects.filter(user=account, paper=paper).exclude(status=ClaimStatus.REJECTED).first()
    )
    if existing is not None:
        return Made(existing, False)
    _room_for_one_more(account)
    claim = Claim.objects.create(user=account, paper=paper, name=name.strip()[:300], key=key)
    if orcid_matches(account, paper, key):
        approve([claim.pk], how="orcid")
        claim.refresh_from_db()
    return Made(claim, True)


def claim_author(user: AbstractBaseUser, name: str) -> Made:
    """Claim an author name: every paper whose authors hold the name (whole, normalised)."""
    account = _account(user)
    key = name_key(name)[:300]  # the column's length; no real name comes near it
    if not key:
        raise ClaimError("give the author's name as it appears on the papers")
    existing = (
        Claim.objects.filter(user=account, paper__isnull=True, key=key)
        .exclude(status=ClaimStatus.REJECTED)
        .first()
    )
    if existing is not None:
        return Made(existing, False)
    _room_for_one_more(account)
    claim = Claim.objects.create(user=account, name=" ".join(name.split())[:300], key=key)
    # Approved at once when some paper under the name gives the reader's ORCID iD for it.
    orcid = orcid_of(account)
    if orcid is not None:
        papers = Paper.objects.filter(links__icontains=orcid).only("pk", "links", "match_keys")
        if any(orcid_matches(account, p, key) for p in papers[:50]):
            approve([claim.pk], how="orcid")
            claim.refresh_from_db()
    return Made(claim, True)


def approve(claim_ids: Iterable[int], by: Any = None, how: str = "moderator") -> int:
    """Approve these claims (pending or rejected); their authors' votes are re-weighed."""
    return _decide(claim_ids, ClaimStatus.APPROVED, by, how)


def reject(claim_ids: Iterable[int], by: Any = None) -> int:
    """Reject these claims (an approved one is revoked); their authors' votes are re-weighed."""
    return _decide(claim_ids, ClaimStatus.REJECTED, by, "moderator")


def _decide(claim_ids: Iterable[int], status: str, by: Any, how: str) -> int:
    from paperwire.community.votes import reweigh

    ids = list(claim_ids)
    with transaction.atomic():
        claims = list(Claim.objects.select_for_update().filter(pk__in=ids).exclude(status=status))
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
            status=status, decided_at=timezone.now(), decided_by=by, how=how
        )
        for user_id in sorted({c.user_id for c in claims}):
            reweigh(user_id)
    return len(claims)


def withdraw(user: AbstractBaseUser, claim_id: int) -> bool:
    """The reader takes back their own claim (any state)."""
    from paperwire.community.votes import reweigh

    with transaction.atomic():
        gone = Claim.objects.filter(pk=claim_id, user=_account(user)).delete()[0]
        if gone:
            reweigh(_account(user).pk)
    return bool(gone)


def claims_of(user: AbstractBaseUser) -> list[Claim]:
    return list(
        Claim.objects.filter(user=_account(user))
        .select_related("paper")
        .order_by("-created_at", "-pk")
    )


def verified_authors(paper_ids: Iterable[int]) -> dict[int, set[int]]:
    """paper pk -> the accounts with an approved claim on that paper (by a paper claim or by
    an author-name claim for a name on it). Papers without any are left out. Two queries."""
    ids = list(set(paper_ids))
    if not ids:
        return {}
    found: dict[int, set[int]] = {}
    for paper_id, user_id in Claim.objects.filter(
        paper_id__in=ids, status=ClaimStatus.APPROVED, user__is_active=True
    ).values_list("paper_id", "user_id"):
        found.setdefault(paper_id, set()).add(user_id)
    keys_of = {
        pk: {t[len(AUTHOR) :] for t in keys or () if t.startswith(AUTHOR)}
        for pk, keys in Paper.objects.filter(pk__in=ids).values_list("pk", "match_keys")
    }
    every = set().union(*keys_of.values()) if keys_of else set()
    if every:
        by_key: dict[str, set[int]] = {}
        for key, user_id in Claim.objects.filter(
            paper__isnull=True, key__in=every, status=ClaimStatus.APPROVED, user__is_active=True
        ).values_list("key", "user_id"):
            by_key.setdefault(key, set()).add(user_id)
        for pk, keys in keys_of.items():
            for key in keys & by_key.keys():
                found.setdefault(pk, set()).update(by_key[key])
    return found


ANY_NAME = "*"


def verified_names(paper_ids: Iterable[int]) -> dict[int, set[str]]:
    """paper pk -> the name keys on it that a verified author claimed (``ANY_NAME`` for a
    paper claim that names no author): which names on a paper get the badge."""
    ids = list(set(paper_ids))
    if not ids:
        return {}
    found: dict[int, set[str]] = {}
    for paper_id, key in Claim.objects.filter(
        paper_id__in=ids, status=ClaimStatus.APPROVED, user__is_active=True
    ).values_list("paper_id", "key"):
        found.setdefault(paper_id, set()).add(key or ANY_NAME)
    keys_of = {
        pk: {t[len(AUTHOR) :] for t in keys or () if t.startswith(AUTHOR)}
        for pk, keys in Paper.objects.filter(pk__in=ids).values_list("pk", "match_keys")
    }
    every = set().union(*keys_of.values()) if keys_of else set()
    claimed = set(
        Claim.objects.filter(
            paper__isnull=True, key__in=every, status=ClaimStatus.APPROVED, user__is_active=True
        ).values_list("key", flat=True)
    )
    for pk, keys in keys_of.items():
        if keys & claimed:
            found.setdefault(pk, set()).update(keys & claimed)
    return found


def own_paper_ids(user_id: int, paper_ids: Iterable[int]) -> set[int]:
    """Which of these papers the account is a verified author of."""
    return {pk for pk, users in verified_authors(paper_ids).items() if user_id in users}


def claimed_keys(user_ids: Iterable[int]) -> dict[int, set[str]]:
    """account -> the author names (keys) of its approved name claims."""
    found: dict[int, set[str]] = {}
    for user_id, key in Claim.objects.filter(
        user_id__in=list(user_ids), paper__isnull=True, status=ClaimStatus.APPROVED
    ).values_list("user_id", "key"):
        found.setdefault(user_id, set()).add(key)
    return found


def has_approved_claim(user: AbstractBaseUser) -> bool:
    return Claim.objects.filter(user=_account(user), status=ClaimStatus.APPROVED).exists()


def pending_claims() -> Any:
    return Claim.objects.filter(status=ClaimStatus.PENDING).select_related("user", "paper")


def _room_for_one_more(account: User) -> None:
    waiting = Claim.objects.filter(user=account, status=ClaimStatus.PENDING).count()
    if waiting >= MAX_PENDING:
        raise TooManyPending(
            f"you have {waiting} claims waiting for a moderator; wait for them to be decided"
        )


def _account(user: AbstractBaseUser | AnonymousUser) -> User:
    if not isinstance(user, User) or not user.is_active:
        raise ClaimError("sign in to claim authorship")
    return user


__all__ = [
    "ClaimError",
    "Made",
    "NotAnAuthor",
    "TooManyPending",
    "approve",
    "claim_author",
    "claim_paper",
    "claimed_keys",
    "claims_of",
    "has_approved_claim",
    "orcid_matches",
    "orcid_of",
    "own_paper_ids",
    "paper_orcids",
    "pending_claims",
    "reject",
    "verified_authors",
    "verified_names",
    "withdraw",
]
