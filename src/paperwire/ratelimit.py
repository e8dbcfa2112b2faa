"""The one counting rule behind every rate limit on writes, the site's and the API's.

A budget is ``settings.<setting>`` (django-ratelimit's rate: "60/m", "10/h"), counted in the
cache in fixed windows, per account, or per address for an anonymous caller. Each caller of
``spend`` names its own group, so the site's buttons and the API keep separate counters.
An anonymous caller is known by ``client_address``, the one reading of where a request comes
from.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage  # type: ignore[import-untyped, unused-ignore]


def client_address(request: HttpRequest) -> str:
    """The address a request comes from.

    With ``settings.TRUSTED_PROXIES`` = 0 (the default: nothing in front of the server) it is
    the connection's own, ``REMOTE_ADDR``, and X-Forwarded-For is ignored: any client can
    write that header. With N reverse proxies in front, each appending the address it was
    reached from, the N-th address from the right of X-Forwarded-For is the one the outermost
    proxy saw; what stands left of it came from the client and is never trusted. A header
    with fewer addresses (a request that did not come through all the proxies) or an
    unreadable one falls back to ``REMOTE_ADDR``.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0))
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def caller(group: str, request: HttpRequest) -> str:
    """Whose budget a request spends: its account's (the API sets it from the token), or an
    anonymous caller's address."""
    user = request.user
    return f"user:{user.pk}" if user.is_authenticated else f"ip:{client_address(request)}"


def spend(request: HttpRequest, group: str, setting: str) -> int | None:
    """Count one write against the caller's budget in ``group``. None while within it; once it
    is spent, the seconds until the window ends (at least 1, for a Retry-After header)."""
    usage = get_usage(
        request, group=group, key=caller, rate=str(getattr(settings, setting)), increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage.get("time_left") or 1))
