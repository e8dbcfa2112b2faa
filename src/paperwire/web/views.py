"""Pages. For now: the newest papers, a plain list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from paperwire.catalogue.models import Paper

PAGE_SIZE = 50


def newest(request: HttpRequest) -> HttpResponse:
    papers = (
        Paper.objects.visible()
        .newest()
        .only(
            "arxiv_id", "title", "authors", "primary_category", "announced_on", "upvotes", "links"
        )
    )
    # No paginator: a COUNT over millions of rows on every page view is waste.
    page_number = _page_number(request)
    start = (page_number - 1) * PAGE_SIZE
    rows = list(papers[start : start + PAGE_SIZE + 1])
    context = {
        "papers": rows[:PAGE_SIZE],
        "page": page_number,
        "first_number": start + 1,
        "has_next": len(rows) > PAGE_SIZE,
    }
    return render(request, "web/newest.html", context)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1
