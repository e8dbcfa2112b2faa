"""Groups (lab mode): members invited by e-mail, shared collections, what the group saved and
upvoted this week, and a reading-group queue. A group's content is for its members only.

This is the package's public face; the site, the API and the digests import only these names
from ``paperwire.groups``. They load on first use, because this is also a Django app package,
imported before its models may be.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.groups.core import (
        GroupError,
        NotFound,
        Week,
        WeekPaper,
        add_member,
        add_paper,
        collection,
        collection_named,
        collections_of,
        create_collection,
        create_group,
        groups_of,
        is_member,
        leave,
        listed_items,
        members,
        membership,
        remove_member,
        remove_paper,
        this_week,
        week,
        week_activity,
    )
    from paperwire.groups.invitations import (
        BadInvitation,
        accept,
        clean_address,
        invitation_for,
        invite,
        invite_path,
        invite_token,
        pending,
        withdraw,
    )
    from paperwire.groups.models import (
        Group,
        Invitation,
        Membership,
        Proposal,
        QueueVote,
        Role,
        SharedCollection,
        SharedItem,
    )
    from paperwire.groups.privacy import export_group
    from paperwire.groups.queue import (
        Queued,
        discussed,
        feed_token,
        member_for_feed,
        proposal,
        propose,
        queue_of,
        queues_of,
        vote,
    )

_HOMES = {
    **dict.fromkeys(
        [
            "GroupError", "NotFound", "Week", "WeekPaper", "add_member", "add_paper",
            "collection", "collection_named", "collections_of", "create_collection",
            "create_group", "groups_of", "is_member", "leave", "listed_items", "members",
            "membership", "remove_member", "remove_paper", "this_week", "week",
            "week_activity",
        ],
        "core",
    ),
    **dict.fromkeys(
        [
            "BadInvitation", "accept", "clean_address", "invitation_for", "invite",
            "invite_path", "invite_token", "pending", "withdraw",
        ],
        "invitations",
    ),
    **dict.fromkeys(
        [
            "Group", "Invitation", "Membership", "Proposal", "QueueVote", "Role",
            "SharedCollection", "SharedItem",
        ],
        "models",
    ),
    **dict.fromkeys(["export_group"], "privacy"),
    **dict.fromkeys(
        [
            "Queued", "discussed", "feed_token", "member_for_feed", "propose", "proposal",
            "queue_of", "queues_of", "vote",
        ],
        "queue",
    ),
}  # fmt: skip

__all__ = [
    "BadInvitation",
    "Group",
    "GroupError",
    "Invitation",
    "Membership",
    "NotFound",
    "Proposal",
    "QueueVote",
    "Queued",
    "Role",
    "SharedCollection",
    "SharedItem",
    "Week",
    "WeekPaper",
    "accept",
    "add_member",
    "add_paper",
    "clean_address",
    "collection",
    "collection_named",
    "collections_of",
    "create_collection",
    "create_group",
    "discussed",
    "export_group",
    "feed_token",
    "groups_of",
    "invitation_for",
    "invite",
    "invite_path",
    "invite_token",
    "is_member",
    "leave",
    "listed_items",
    "member_for_feed",
    "members",
    "membership",
    "pending",
    "proposal",
    "propose",
    "queue_of",
    "queues_of",
    "remove_member",
    "remove_paper",
    "this_week",
    "vote",
    "week",
    "week_activity",
    "withdraw",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.groups' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.groups.{home}"), name)
    globals()[name] = value
    return value
