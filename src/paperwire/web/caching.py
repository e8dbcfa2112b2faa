"""Whole-page caching for anonymous visitors.

Lists and paper pages are the same for everyone who is not signed in, and they are most of
the traffic; rendering one costs milliseconds, reading it back costs microseconds. Signed-in
visitors see their own votes, so their pages are always rendered. Anonymous pages carry no
CSRF token (their vote buttons are sign-in links), so a cached page never leaks one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def anonymous_cache(view: View) -> View:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if request.method != "GET" or request.user.is_authenticated or seconds <= 0:
            return view(request, *args, **kwargs)
        htmx = "1" if request.headers.get("HX-Request") else "0"
        key = "page:" + hashlib.sha256(f"{htmx}{request.get_full_path()}".encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            status, content_type, body = hit
            return HttpResponse(body, status=status, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 404) and not response.cookies and not response.streaming:
            cache.set(
                key, (response.status_code, response["Content-Type"], response.content), seconds
            )
        return response

    return wrapper
