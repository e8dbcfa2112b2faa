"""Whole-page caching for anonymous visitors.

Lists and paper pages are the same for everyone who is not signed in, and they are most of
the traffic; rendering one costs milliseconds, reading it back costs microseconds. Signed-in
visitors see their own votes, so their pages are always rendered. Anonymous pages carry no
CSRF token (their vote buttons are sign-in links), so a cached page never leaks one.

A cached view names the query parameters it reads, and it sees only those: a page is cached
by its path and those parameters alone, so a made-up one (``?a=1``, ``?b=2``) is answered from
the same entry instead of rendering the page again, and nothing made up is echoed into a page
that others are then served (the sign-in link carries the page's address).

Every key also carries the pages' generation, a random token in the same cache: a vote, a
submission or a comment anywhere (``community.activity``) sets a new one, so the next page
any node serves is rendered afresh with it, and the older entries just expire. One token for
all pages, because a vote shows on every list holding the paper as well as on its page.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Collection
from typing import Any, overload
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict

from paperwire.web.paging import page_number

View = Callable[..., HttpResponse]

# Every query parameter a cached page reads: the lists' page number and the search form. A
# view that names none of its own reads these.
PAGE_PARAMETERS = ("page",)
SEARCH_PARAMETERS = ("q", "cat", "author", "since", "until", "code", "sort", "mode", "page")


@overload
def anonymous_cache(view: View, /) -> View: ...


@overload
def anonymous_cache(*, reads: Collection[str]) -> Callable[[View], View]: ...


def anonymous_cache(
    view: View | None = None, /, *, reads: Collection[str] = SEARCH_PARAMETERS
) -> View | Callable[[View], View]:
    """Cache a view's anonymous GET answers; ``reads`` names the query parameters it uses."""
    if view is None:
        return functools.partial(_cached, reads=tuple(sorted(set(reads))))
    return _cached(view, reads=tuple(sorted(set(reads))))


def _cached(view: View, *, reads: tuple[str, ...]) -> View:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _keep_only(request, reads)
        seconds = settings.PAGE_CACHE_SECONDS
        if request.method != "GET" or request.user.is_authenticated or seconds <= 0:
            return view(request, *args, **kwargs)
        htmx = "1" if request.headers.get("HX-Request") else "0"
        page = f"{_generation()}:{htmx}:{request.get_full_path()}"
        key = "page:" + hashlib.sha256(page.encode()).hexdigest()
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


GENERATION = "page-generation"


def _generation() -> str:
    # A token lost to the cache's culling is replaced by a new one, never by "none": entries
    # made before the first change would otherwise come back.
    return str(cache.get_or_set(GENERATION, lambda: uuid.uuid4().hex, None))


def forget_pages(**_: Any) -> None:
    """Every page kept so far is stale (``community.activity``'s receiver)."""
    cache.set(GENERATION, uuid.uuid4().hex, None)


def _keep_only(request: HttpRequest, reads: tuple[str, ...]) -> None:
    """Leave the request only the parameters the view reads, in one order and spelling, so
    equal pages have one address (``get_full_path``) and so one cache entry."""
    pairs = []
    for name in reads:
        value = request.GET.get(name)  # the last of repeated ones, as views read them
        if name == "page":
            # Every spelling of a page number (none, "1", "x", "01") names one page.
            number = page_number(request)
            value = str(number) if number > 1 else None
        if value:
            pairs.append((name, value))
    query = urlencode(pairs)
    request.GET = QueryDict(query)
    request.META["QUERY_STRING"] = query
