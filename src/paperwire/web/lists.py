"""The lists: today (home), a day, a week, a month, and trending."""

from __future__ import annotations

from django.db.models import Max, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import BadPeriod, Period, containing, day, latest_day, parse
from paperwire.community import trending as trend
from paperwire.community.votes import voted_ids
from paperwire.web.caching import PAGE_PARAMETERS, anonymous_cache
from paperwire.web.paging import page_number, paginate

PAGE_SIZE = 30


@anonymous_cache(reads=PAGE_PARAMETERS)
def home(request: HttpRequest) -> HttpResponse:
    latest = latest_day()
    if latest is None:
        return render(request, "web/empty.html", status=200)
    return _period_page(request, day(latest), is_home=True)


@anonymous_cache(reads=PAGE_PARAMETERS)
def on_date(request: HttpRequest, text: str) -> HttpResponse:
    return _canonical_page(request, "day", text)


@anonymous_cache(reads=PAGE_PARAMETERS)
def in_week(request: HttpRequest, text: str) -> HttpResponse:
    return _canonical_page(request, "week", text)


@anonymous_cache(reads=PAGE_PARAMETERS)
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


@anonymous_cache(reads=PAGE_PARAMETERS)
def trending(request: HttpRequest) -> HttpResponse:
    papers = trend.trending().only(*LIST_FIELDS)
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
            "feed": "trending",
            "voted": voted_ids(request.user, [p.arxiv_id for p in page.items]),
        },
    )


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
)


def _period_page(request: HttpRequest, period: Period, *, is_home: bool = False) -> HttpResponse:
    papers = trend.day_list(period).only(*LIST_FIELDS)
    page = paginate(papers, page_number(request), PAGE_SIZE)
    context = {
        "period": period,
        "page": page,
        "papers": page.items,
        "is_home": is_home,
        "previous": _neighbour(period, before=True),
        "next": _neighbour(period, before=False),
        "today": timezone.localdate(),
        "feed": "daily",
        "voted": voted_ids(request.user, [p.arxiv_id for p in page.items]),
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
