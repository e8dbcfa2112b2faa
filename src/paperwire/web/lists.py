"""The lists: today (home), a day, a week, a month, and trending; their filters
(``paperwire.library.FeedFilters``) and pinning them.

Every list takes the filters' query parameters. A list is cached for anonymous visitors by
its page number and its public filters only; the personal ones (hide read / not interested)
apply to signed-in readers, whose pages are never cached (``web/caching.py``). A POST to a
list page pins the filters it carries as the reader's defaults (``pin``) or clears them
(``unpin``): the form lives on the page itself, so pinning needs no address of its own.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.db.models import Max, Min
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import BadPeriod, Period, containing, day, latest_day, parse
from paperwire.community import trending as trend
from paperwire.community.votes import voted_ids
from paperwire.library import FeedFilters, FilterError, canonical_query, pinned, record_visit
from paperwire.library.feedfilters import PARAMETERS as FILTER_PARAMETERS
from paperwire.web.caching import PAGE_PARAMETERS, View, anonymous_cache
from paperwire.web.paging import page_number, paginate

PAGE_SIZE = 30
LIST_PARAMETERS = (*PAGE_PARAMETERS, *FILTER_PARAMETERS)


def canonical_filters(view: View) -> View:
    """Spell the request's filter parameters one way before the view (and its cache) sees
    them: repeated values joined, the canonical order and case (``canonical_query``). Put
    outside ``anonymous_cache``, which keeps one value of each parameter."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if any(name in request.GET for name in FILTER_PARAMETERS):
            query = request.GET.copy()
            for name in FILTER_PARAMETERS:
                query.pop(name, None)
            for name, value in canonical_query(request.GET):
                query[name] = value
            request.GET = QueryDict(query.urlencode())
            request.META["QUERY_STRING"] = request.GET.urlencode()
        return view(request, *args, **kwargs)

    return wrapper


def bad_filters(request: HttpRequest, error: FilterError) -> HttpResponse:
    """A 400 page saying, in one line, which filter to fix."""
    return render(request, "web/error.html", {"status": 400, "message": str(error)}, status=400)


def pinning(view: View) -> View:
    """A POST to a list page pins (or, with ``unpin``, clears) the reader's default filters,
    then shows the page as the defaults make it."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.path)
        if "unpin" in request.POST:
            FeedFilters.unpin(request.user)
        else:
            try:
                FeedFilters.from_params(request.POST).pin(request.user)
            except FilterError as exc:
                return bad_filters(request, exc)
        return redirect(request.path, permanent=False)

    return wrapper


def _list_view(view: View) -> View:
    return canonical_filters(pinning(anonymous_cache(reads=LIST_PARAMETERS)(view)))


@_list_view
def home(request: HttpRequest) -> HttpResponse:
    latest = latest_day()
    if latest is None:
        return render(request, "web/empty.html", status=200)
    return _period_page(request, day(latest), is_home=True)


@_list_view
def on_date(request: HttpRequest, text: str) -> HttpResponse:
    return _canonical_page(request, "day", text)


@_list_view
def in_week(request: HttpRequest, text: str) -> HttpResponse:
    return _canonical_page(request, "week", text)


@_list_view
def in_month(request: HttpRequest, text: str) -> HttpResponse:
    return _canonical_page(request, "month", text)


def _canonical_page(request: HttpRequest, kind: str, text: str) -> HttpResponse:
    """A period's page at its one address; another spelling of it is redirected there."""
    try:
        period = parse(kind, text)
    except BadPeriod as exc:
        raise Http404(str(exc)) from None
    if text != period.slug:
        # Only the parameters the page reads are left in it (anonymous_cache's ``reads``).
        query = request.META.get("QUERY_STRING", "")
        return redirect(period.path + (f"?{query}" if query else ""), permanent=True)
    return _period_page(request, period)


@_list_view
def trending(request: HttpRequest) -> HttpResponse:
    try:
        filters = FeedFilters.for_request(request)
    except FilterError as exc:
        return bad_filters(request, exc)
    papers = filters.apply(trend.trending().only(*LIST_FIELDS), request.user)
    page = paginate(papers, page_number(request), PAGE_SIZE)
    for paper in page.items:
        paper.reason = trend.reason(paper)  # type: ignore[attr-defined]
    return render(
        request,
        "web/trending.html",
        {
            "page": page,
            "papers": page.items,
            "window": trend.WINDOW_DAYS,
            "gravity": trend.GRAVITY,
            "offset": trend.OFFSET_DAYS,
            "voted": voted_ids(request.user, [p.arxiv_id for p in page.items]),
            **filter_context(request, filters, "trending"),
        },
    )


def filter_context(request: HttpRequest, filters: FeedFilters, feed: str) -> dict[str, Any]:
    """What the filter form, the pager and the feed links need to carry the filters on."""
    own = [(n, v) for n in FILTER_PARAMETERS if (v := request.GET.get(n))]
    defaults = pinned(request.user)
    public = urlencode(filters.public().to_params())
    return {
        "filters": filters,
        "filter_params": filters.to_params(),
        # The request's own filter parameters (none when the page shows pinned defaults).
        "filter_query": urlencode(own),
        "feed_path": f"/feeds/{feed}",
        "feed_query": f"?{public}" if public else "",
        "pinned": defaults,
        "showing_pinned": defaults is not None and defaults == filters,
    }


LIST_FIELDS = (
    "arxiv_id",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "announced_on",
    "daily_date",
    "upvotes",
    "votes",
    "vote_weight",
    "links",
    "submitted_by",
    "organization",
    "created_at",
    "match_keys",
)


def _period_page(request: HttpRequest, period: Period, *, is_home: bool = False) -> HttpResponse:
    try:
        filters = FeedFilters.for_request(request)
    except FilterError as exc:
        return bad_filters(request, exc)
    papers = filters.apply(trend.day_list(period).only(*LIST_FIELDS), request.user)
    page = paginate(papers, page_number(request), PAGE_SIZE)
    # What arrived since the reader's last look at a day's list (signed-in pages are never
    # cached, so this never reaches anyone else). The first visit marks nothing.
    since = None
    if period.kind == "day" and request.user.is_authenticated:
        since = record_visit(request.user)
    new_ids = {p.pk for p in page.items if since is not None and p.created_at > since}
    context = {
        "period": period,
        "page": page,
        "papers": page.items,
        "is_home": is_home,
        "previous": _neighbour(period, before=True),
        "next": _neighbour(period, before=False),
        "today": timezone.localdate(),
        "voted": voted_ids(request.user, [p.arxiv_id for p in page.items]),
        "new_ids": new_ids,
        "new_since": since,
        "new_count": papers.filter(created_at__gt=since).count() if since else 0,
        **filter_context(request, filters, "daily"),
    }
    status = 200 if page.items or period.kind != "day" or is_home else 404
    return render(request, "web/daily.html", context, status=status)


def _neighbour(period: Period, *, before: bool) -> Period | None:
    """The nearest period with papers before or after this one (weekends have none): the
    nearest paper's day, found by two indexed queries, and the period holding it."""
    visible = Paper.objects.visible()
    if before:
        found = [
            visible.filter(daily_date__lt=period.first).aggregate(d=Max("daily_date"))["d"],
            visible.filter(announced_on__lt=period.first).aggregate(d=Max("announced_on"))["d"],
        ]
        days = [d for d in found if d is not None]
        target = max(days) if days else None
    else:
        found = [
            visible.filter(daily_date__gt=period.last).aggregate(d=Min("daily_date"))["d"],
            visible.filter(announced_on__gt=period.last).aggregate(d=Min("announced_on"))["d"],
        ]
        days = [d for d in found if d is not None]
        target = min(days) if days else None
    return containing(period.kind, target) if target is not None else None
