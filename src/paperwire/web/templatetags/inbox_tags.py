"""``{% inbox_unread as n %}``: the signed-in reader's unread notifications, for the nav.

One COUNT query (an index on recipient, in_inbox, read_at), kept on the request: the nav is
on every signed-in page, and a page that asks twice pays once. Anonymous visitors cost
nothing (and their cached pages never carry a count).
"""

from __future__ import annotations

from typing import Any

from django import template

from paperwire.inbox import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_inbox_unread", None)
    if cached is None:
        cached = unread_count(user)
        request._inbox_unread = cached
    return int(cached)


@register.filter
def commenter(user: Any) -> str:
    """How the discussion names a comment's author (never the e-mail address)."""
    from paperwire.discussion import public_name

    return str(public_name(user))


@register.filter
def comment_excerpt(body: str, limit: int = 240) -> str:
    """A comment's text without markup, cut near ``limit`` characters (escaped by the page)."""
    from paperwire.discussion import excerpt

    return str(excerpt(body, limit))
