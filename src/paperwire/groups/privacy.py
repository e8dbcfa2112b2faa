"""A group's content as one JSON-ready document: what an operator exports (``paperwire group
export``), and what a member could take with them. It holds members' addresses: it is for the
operator's or the group's eyes only, never a public page."""

from __future__ import annotations

from typing import Any

from paperwire.groups.models import Group, Proposal


def export_group(group: Group) -> dict[str, Any]:
    """Members, open invitations, collections with their papers, and the reading queue
    (discussed papers too, with when)."""
    members = [
        {"email": m.user.email, "role": m.role, "joined_at": m.joined_at.isoformat()}
        for m in group.memberships.select_related("user").order_by("joined_at", "pk")
    ]
    invitations = [
        {"email": i.email, "sent_at": i.created_at.isoformat()}
        for i in group.invitations.filter(accepted_at__isnull=True).order_by("created_at", "pk")
    ]
    collections = []
    for shared in group.collections.order_by("name", "pk"):
        items = shared.items.select_related("paper", "added_by").order_by("added_at", "pk")
        collections.append(
            {
                "name": shared.name,
                "slug": shared.slug,
                "papers": [
                    {
                        "id": item.paper.arxiv_id,
                        "title": item.paper.title,
                        "added_by": getattr(item.added_by, "email", None),
                        "added_at": item.added_at.isoformat(),
                    }
                    for item in items
                ],
            }
        )
    queue = []
    proposals = (
        Proposal.objects.filter(group=group)
        .select_related("paper", "proposed_by")
        .prefetch_related("votes__user")
        .order_by("proposed_at", "pk")
    )
    for proposal in proposals:
        queue.append(
            {
                "id": proposal.paper.arxiv_id,
                "title": proposal.paper.title,
                "proposed_by": getattr(proposal.proposed_by, "email", None),
                "proposed_at": proposal.proposed_at.isoformat(),
                "votes": sorted(v.user.email for v in proposal.votes.all()),
                "discussed_at": proposal.discussed_at.isoformat()
                if proposal.discussed_at
                else None,
            }
        )
    return {
        "group": {
            "name": group.name,
            "slug": group.slug,
            "created_at": group.created_at.isoformat(),
        },
        "members": members,
        "invitations": invitations,
        "collections": collections,
        "queue": queue,
    }
