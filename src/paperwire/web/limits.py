"""Rate limits on the site's writes, from settings, per account (or address when anonymous)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited

from paperwire.web.errors import rate_limited

View = Callable[..., HttpResponse]


def _key(group: str, request: HttpRequest) -> str:
    user = request.user
    return f"user:{user.pk}" if user.is_authenticated else f"ip:{request.META.get('REMOTE_ADDR')}"


def limited(setting: str, *, group: str | None = None) -> Callable[[View], View]:
    """Answer 429 once the caller has made more POSTs than ``settings.<setting>`` allows."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and is_ratelimited(
                request,
                group=group or f"{view.__module__}.{view.__name__}",
                key=_key,
                rate=str(getattr(settings, setting)),
                method="POST",
                increment=True,
            ):
                return rate_limited(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
