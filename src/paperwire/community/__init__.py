"""The community: votes, API tokens, submissions, trending, authors' and organisations'
pages, follows and claimed authorship.

This is the package's public face for what others build on (the discussion, the inbox, the
groups, the digests, For you, the site and the API): they import these names from
``paperwire.community``. They load on first use, because this is also a Django app package,
imported before its models may be.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.community.claims import (
        ClaimError,
        approve,
        claim_author,
        claim_paper,
        claimed_keys,
        claims_of,
        has_approved_claim,
        orcid_of,
        own_paper_ids,
        reject,
        verified_authors,
        verified_names,
        withdraw,
    )
    from paperwire.community.follows import (
        FollowError,
        follow_reason,
        followed,
        followers_of_papers,
        follows_of,
        is_following,
        set_follow,
    )
    from paperwire.community.people import (
        ORG,
        Profile,
        name_papers,
        papers_of,
        profile,
        sync_names,
    )
    from paperwire.community.signals import activity, announce_activity

_HOMES = {
    **dict.fromkeys(
        [
            "ClaimError", "approve", "claim_author", "claim_paper", "claimed_keys", "claims_of",
            "has_approved_claim", "orcid_of", "own_paper_ids", "reject", "verified_authors",
            "verified_names",
            "withdraw",
        ],
        "claims",
    ),
    **dict.fromkeys(
        ["FollowError", "follow_reason", "followed", "followers_of_papers", "follows_of",
         "is_following",
         "set_follow"],
        "follows",
    ),
    **dict.fromkeys(
        ["ORG", "Profile", "name_papers", "papers_of", "profile", "sync_names"], "people"
    ),
    **dict.fromkeys(["activity", "announce_activity"], "signals"),
}  # fmt: skip

__all__ = [
    "ORG",
    "ClaimError",
    "FollowError",
    "Profile",
    "activity",
    "announce_activity",
    "approve",
    "claim_author",
    "claim_paper",
    "claimed_keys",
    "claims_of",
    "follow_reason",
    "followed",
    "followers_of_papers",
    "follows_of",
    "has_approved_claim",
    "is_following",
    "name_papers",
    "orcid_of",
    "own_paper_ids",
    "papers_of",
    "profile",
    "reject",
    "set_follow",
    "sync_names",
    "verified_authors",
    "verified_names",
    "withdraw",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.community' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.community.{home}"), name)
    globals()[name] = value
    return value
