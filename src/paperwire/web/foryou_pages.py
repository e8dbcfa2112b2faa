"""For you: the papers of a period ranked for the signed-in reader, each with why it is there;
dismiss / more / less like this; a collection's "more like this"; the cold-start page.

Every page here is a reader's own: ``login_required``, never behind ``anonymous_cache``
(which would not store a signed-in reader's page anyway), and ``private`` in Cache-Control so
no proxy keeps one. The ranking itself is ``paperwire.foryou``'s; the meaning of the list
filters is ``paperwire.library.FeedFilters``'; a period's papers are ``day_list``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, cast
from urllib.parse import urlencode

import numpy as np
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import (
    BadPeriod,
    Period,
    day,
    latest_day,
    month_of,
    named_or_latest,
    week_of,
)
from paperwire.community.trending import day_list, ranked_for_period
from paperwire.community.votes import voted_ids
from paperwire.library import (
    Collection,
    FeedFilters,
    FilterError,
    Kind,
    LibraryError,
    Reader,
    mark,
    pinned,
    reader_feed_token,
    reader_signals,
    save,
)
from paperwire.search import current_model_id, vectors_for

# The list pages' filter form context and pinning POST, shared so /for-you behaves as they do.
from paperwire.web.lists import bad_filters, canonical_filters, filter_context, pinning
from paperwire.web.paging import page_number

PAGE_SIZE = 30
MAX_RANKED = 600  # 20 pages: past that a reader is browsing, and the period's list serves
COLLECTION_DAYS = 30
COLLECTION_LIMIT = 30
START_DAYS = 14
START_PAPERS = 20
START_POOL_PER_CATEGORY = 8
FEEDBACK = {"dismiss": Kind.NOT_INTERESTED, "more": Kind.MORE, "less": Kind.LESS}

private = cache_control(private=True, no_store=True)


@dataclass(frozen=True)
class Item:
    paper: Paper
    why: list[str]
    score: float | None = None


# ---------------------------------------------------------------- /for-you


@login_required
@private
@canonical_filters
@pinning
def for_you(request: HttpRequest) -> HttpResponse:
    foryou = _engine()
    try:
        period = _period(request)
        filters = FeedFilters.for_request(request)
    except BadPeriod as exc:
        return render(request, "web/error.html", {"status": 400, "message": str(exc)}, status=400)
    except FilterError as exc:
        return bad_filters(request, exc)
    user = request.user
    mode, positives = _mode(foryou.status(user), user)
    context: dict[str, Any] = {
        "period": period,
        "mode": mode,
        "positives": positives,
        "more_needed": max(_engine().MIN_POSITIVES - positives, 0),
        "needed": _engine().MIN_POSITIVES,
    }
    if period is None:
        return render(request, "web/foryou/for_you.html", {**context, "items": []})
    candidates = filters.apply(day_list(period), user)
    number = page_number(request)
    start = (number - 1) * PAGE_SIZE
    items: list[Item] = []
    has_next = False
    if mode == "ready":
        ranked = foryou.recommend(user, candidates, min(start + PAGE_SIZE + 1, MAX_RANKED))
        window = ranked[start : start + PAGE_SIZE]
        has_next = len(ranked) > start + PAGE_SIZE
        found = Paper.objects.in_bulk([r.paper_id for r in window])
        items = [
            Item(found[r.paper_id], list(r.why), r.score) for r in window if r.paper_id in found
        ]
    elif mode == "training":
        # No ranking yet: the period's list as everyone sees it, filtered, until it is ready.
        rows = list(candidates[start : start + PAGE_SIZE + 1])
        has_next = len(rows) > PAGE_SIZE
        items = [Item(p, []) for p in rows[:PAGE_SIZE]]
    context.update(
        items=items,
        page_number=number,
        first_index=start + 1,
        has_next=has_next,
        query=_query_without_page(request),
        **{
            **filter_context(request, filters, "daily"),
            # For you's own feed is private: its signed address, with every filter (hide too).
            "feed_path": f"/for-you/feed/{reader_feed_token(user)}",
            "feed_query": f"?{urlencode(filters.to_params())}" if not filters.is_empty else "",
        },
        day_slug=day(period.first).slug,
        week_slug=week_of(period.first).slug,
        month_slug=month_of(period.first).slug,
        **_item_context(request, [i.paper for i in items]),
    )
    return render(request, "web/foryou/for_you.html", context)


def _reader(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required


def _engine() -> Any:
    # Imported on use: the URLconf imports this module, and the ranking engine loads
    # scikit-learn, which the site's other pages need not pay for at start-up.
    from paperwire import foryou

    return foryou


def _mode(state: Any, user: Any) -> tuple[str, int]:
    """The engine's status as the page's four cases, and how many positives the reader has."""
    positives = len(reader_signals(user).positives)
    return _MODES[str(state)], positives


# foryou.Status -> the page's case (the template's names).
_MODES = {"no_signals": "empty", "few_positives": "few", "training": "training", "ready": "ready"}


def _period(request: HttpRequest) -> Period | None:
    """The period the query names (``date``, ``week`` or ``month``), else the newest day with
    papers, as on the home page; None when the catalogue has none."""
    return named_or_latest(request.GET)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _item_context(request: HttpRequest, papers: list[Paper]) -> dict[str, Any]:
    """What ``web/_paper_item.html`` needs beyond the paper: the reader's votes. Its save and
    mark buttons fill in their own state (``{% library_state %}``, one query a request)."""
    return {"voted": voted_ids(request.user, [p.arxiv_id for p in papers])}


# ---------------------------------------------------------------- feedback


@require_POST
@login_required
def feedback(request: HttpRequest) -> HttpResponse:
    """Dismiss (not interested), more like this, less like this: a mark, which retrains the
    reader's ranking in the background. htmx swaps the answer in; without JS, back to the page."""
    kind = FEEDBACK.get(request.POST.get("kind", ""))
    paper = Paper.objects.visible().filter(arxiv_id=request.POST.get("paper", "")).first()
    if kind is None or paper is None:
        message = "unknown feedback: kind is one of dismiss, more, less, for a paper listed here"
        return render(request, "web/error.html", {"status": 400, "message": message}, status=400)
    mark(request.user, paper, kind, source="page")
    if request.headers.get("HX-Request"):
        if kind == Kind.NOT_INTERESTED:
            return HttpResponse("")  # the item's outerHTML: it disappears
        return render(request, "web/foryou/_actions.html", {"paper": paper, "said": kind.value})
    return redirect(_back(request, "/for-you"))


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# ---------------------------------------------------------------- a collection


@login_required
@private
def collection_page(request: HttpRequest, slug: str) -> HttpResponse:
    # Only the owner's: anyone else (a public collection too) gets the same 404 as a
    # collection that does not exist, so the address tells nothing.
    collection = Collection.objects.filter(owner=_reader(request), slug=slug).first()
    if collection is None:
        raise Http404("no such collection of yours")
    latest = latest_day()
    items: list[Item] = []
    if latest is not None:
        first = latest - dt.timedelta(days=COLLECTION_DAYS - 1)
        candidate_ids = list(
            Paper.objects.visible().in_days(first, latest).values_list("pk", flat=True)
        )
        ranked = _engine().more_like_collection(collection, candidate_ids, COLLECTION_LIMIT)
        found = Paper.objects.in_bulk([r.paper_id for r in ranked])
        items = [
            Item(found[r.paper_id], list(r.why), r.score) for r in ranked if r.paper_id in found
        ]
    return render(
        request,
        "web/foryou/collection.html",
        {
            "collection": collection,
            "items": items,
            "days": COLLECTION_DAYS,
            **_item_context(request, [i.paper for i in items]),
        },
    )


# ---------------------------------------------------------------- cold start


@login_required
@private
def start(request: HttpRequest) -> HttpResponse:
    """Cold start: choose categories, import a library, mark ~20 diverse recent papers."""
    user = _reader(request)
    current = pinned(user) or FeedFilters()
    if request.method == "POST":
        replace(current, categories=tuple(_known_categories(request.POST.getlist("cat")))).pin(user)
        return redirect("/for-you/start#papers")
    chosen = list(current.categories)
    latest = latest_day()
    offered = _offered_categories(latest)
    papers = _diverse_recent(latest, chosen or [c for c, _ in offered[:8]])
    signals = reader_signals(request.user)
    return render(
        request,
        "web/foryou/start.html",
        {
            "offered": offered,
            "pinned": set(chosen),
            "papers": papers,
            "positives": len(signals.positives),
            "negatives": set(signals.negatives),
            "chosen": set(signals.positives),
            "needed": _engine().MIN_POSITIVES,
        },
    )


@require_POST
@login_required
def start_mark(request: HttpRequest) -> HttpResponse:
    """ "Interested" saves the paper into Saved; "not interested" marks it."""
    paper = Paper.objects.visible().filter(arxiv_id=request.POST.get("paper", "")).first()
    choice = request.POST.get("choice", "")
    if paper is None or choice not in ("interested", "not_interested"):
        message = "choose interested or not_interested for a paper listed on the start page"
        return render(request, "web/error.html", {"status": 400, "message": message}, status=400)
    try:
        if choice == "interested":
            save(request.user, paper)
        else:
            mark(request.user, paper, Kind.NOT_INTERESTED, source="page")
    except LibraryError as exc:
        return render(request, "web/error.html", {"status": 400, "message": str(exc)}, status=400)
    positives = len(reader_signals(request.user).positives)
    if positives >= _engine().MIN_POSITIVES:
        Reader.objects.filter(user=_reader(request)).update(onboarded=True)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "web/foryou/_start_choice.html",
            {
                "paper": paper,
                "choice": choice,
                "positives": positives,
                "needed": _engine().MIN_POSITIVES,
            },
        )
    return redirect(f"/for-you/start#start-{paper.pk}")


@require_POST
@login_required
def start_done(request: HttpRequest) -> HttpResponse:
    Reader.objects.update_or_create(user=request.user, defaults={"onboarded": True})
    return redirect("/for-you")


def _offered_categories(latest: dt.date | None) -> list[tuple[str, int]]:
    """The primary categories of the last two weeks' papers, most papers first."""
    if latest is None:
        return []
    first = latest - dt.timedelta(days=START_DAYS - 1)
    rows = (
        Paper.objects.visible()
        .in_days(first, latest)
        .exclude(primary_category="")
        .values("primary_category")
        .annotate(n=Count("id"))
        .order_by("-n", "primary_category")[:30]
    )
    return [(row["primary_category"], row["n"]) for row in rows]


def _known_categories(values: list[str]) -> list[str]:
    """The values that read as categories (the filters' own rule); anything else is dropped
    rather than refused, since the form only offers real ones."""
    known: list[str] = []
    for value in values:
        try:
            known.extend(FeedFilters.from_params({"cat": value}).categories)
        except FilterError:
            continue
    return list(FeedFilters.from_params({"cat": known}).categories)  # the canonical order


def _diverse_recent(latest: dt.date | None, categories: list[str]) -> list[Paper]:
    """About 20 recent papers that differ from each other, for a new reader to mark.

    The pool: the best-voted few papers of each category over the last two weeks (one
    indexed query per category, at most eight categories' worth). The pick: greedy
    farthest-point over their stored embeddings (each next paper is the one least similar to
    every paper picked so far), starting from the pool's best; without vectors, round-robin
    over the categories. Both are a few milliseconds for a pool of ~100.
    """
    if latest is None:
        return []
    first = latest - dt.timedelta(days=START_DAYS - 1)
    recent = Paper.objects.visible().in_days(first, latest)
    pool: list[Paper] = []
    seen: set[int] = set()
    by_category: list[list[Paper]] = []
    for category in categories[:12]:
        rows = [
            p
            for p in ranked_for_period(recent.filter(primary_category=category))[
                :START_POOL_PER_CATEGORY
            ]
            if p.pk not in seen
        ]
        seen.update(p.pk for p in rows)
        by_category.append(rows)
    if not any(by_category):
        by_category = [list(ranked_for_period(recent)[: START_PAPERS * 3])]
    # Round-robin first, so the best of each category leads the pool.
    for rank in range(max(len(rows) for rows in by_category)):
        pool.extend(rows[rank] for rows in by_category if rank < len(rows))
    if len(pool) <= START_PAPERS:
        return pool
    ids, matrix = vectors_for([p.pk for p in pool], current_model_id())
    if len(ids) < START_PAPERS:
        return pool[:START_PAPERS]
    return _farthest_first([p for p in pool if p.pk in set(ids)], ids, matrix)


def _farthest_first(papers: list[Paper], ids: list[int], matrix: Any) -> list[Paper]:
    row_of = {pk: n for n, pk in enumerate(ids)}
    vectors = np.asarray([matrix[row_of[p.pk]] for p in papers], dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.maximum(norms, 1e-9)
    picked = [0]
    closest = vectors @ vectors[0]
    while len(picked) < START_PAPERS:
        closest[picked] = np.inf
        nxt = int(np.argmin(closest))
        picked.append(nxt)
        closest = np.maximum(closest, vectors @ vectors[nxt])
    return [papers[n] for n in picked]
