"""``{% group_memberships %}``: the signed-in reader's groups, for the nav link and the paper
page's buttons, in at most one query per request (kept on the request), and none for
anonymous visitors, whose pages are cached for everyone and must carry nothing of a group.
"""

from __future__ import annotations

from typing import Any

from django import template

from paperwire.groups import Membership

register = template.Library()


def memberships(request: Any) -> list[Membership]:
    found: list[Membership] | None = getattr(request, "_group_memberships", None)
    if found is None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            found = []
        else:
            found = list(
                Membership.objects.filter(user=user)
                .select_related("group")
                .order_by("group__name", "group__pk")
            )
        request._group_memberships = found
    return found


@register.simple_tag(takes_context=True)
def group_memberships(context: Any) -> list[Membership]:
    request = context.get("request")
    return memberships(request) if request is not None else []
