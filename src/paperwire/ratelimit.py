"""The one counting rule behind every rate limit on writes, the site's and the API's.

A budget is ``settings.<setting>`` (django-ratelimit's rate: "60/m", "10/h"), counted in the
cache in fixed windows, per account, or per address for an anonymous caller. Each caller of
``spend`` names its own group, so the site's buttons and the API keep separate counters.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage  # type: ignore[import-untyped, unused-ignore]


def caller(group: str, request: HttpRequest) -> str:
    """Whose budget a request spends: its account's (the API sets it from the token)."""
    user = request.user
    return f"user:{user.pk}" if user.is_authenticated else f"ip:{request.META.get('REMOTE_ADDR')}"


def spend(request: HttpRequest, group: str, setting: str) -> int | None:
    """Count one write against the caller's budget in ``group``. None while within it; once it
    is spent, the seconds until the window ends (at least 1, for a Retry-After header)."""
    usage = get_usage(
        request, group=group, key=caller, rate=str(getattr(settings, setting)), increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage.get("time_left") or 1))
