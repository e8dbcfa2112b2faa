"""Rate limits on the site's writes, from settings, per account (or address when anonymous)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from paperwire.ratelimit import spend
from paperwire.web.errors import rate_limited

View = Callable[..., HttpResponse]


def limited(setting: str, *, group: str | None = None) -> Callable[[View], View]:
    """Answer 429 once the caller has made more POSTs than ``settings.<setting>`` allows."""

    def decorate(view: View) -> View:
        name = group or f"{view.__module__}.{view.__name__}"

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                wait = spend(request, name, setting)
                if wait is not None:
                    response = rate_limited(request)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
