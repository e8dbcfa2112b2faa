"""The read endpoints: a paper, similar papers, search, a day's list, trending.

The lists take the site's list filters (``paperwire.library.FeedFilters``): ``cat``,
``exclude``, ``hide``, ``listing``. ``hide`` is the caller's own marks, so it counts only for
a signed-in caller: a session, or an API token sent with the read. Pinned defaults are the
site's pages' business; the API answers the parameters it is given."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field as F
from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import WithJsonSchema

from paperwire.api.auth import token_auth
from paperwire.api.openapi import dependencies, sum_at_most
from paperwire.api.schemas import (
    DailyOut,
    Error,
    PaperOut,
    SearchOut,
    SimilarOut,
    TrendingOut,
    period_field,
)
from paperwire.api.serialize import paper_out, with_comment_counts
from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import BadPeriod, Period, day, latest_day, parse
from paperwire.community import trending as trend
from paperwire.library import FeedFilters, FilterError
from paperwire.library.feedfilters import MAX_VALUES, VALUE_PATTERNS
from paperwire.search import Mode, Sort, UnknownPaper, search, similar
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url

router = Router(tags=["papers"])

ERRORS: dict[int, type[Error]] = {400: Error, 404: Error}
# A list filtered by the caller's own marks may be asked with a token, which may be refused.
LIST_ERRORS: dict[int, type[Error]] = {**ERRORS, 401: Error, 403: Error}
MAX_SEARCH_DEPTH = 1000  # offset + limit: past that a query wants refining, not paging
MAX_OFFSET = 100_000
# Columns no answer shows: lists skip loading them.
UNSHOWN = ("fingerprints", "versions", "sources")


def find_paper(text: str) -> Paper:
    """The visible paper an id (versioned or not, either scheme) or arxiv.org URL names."""
    try:
        wanted = parse_id_or_url(text)
    except InvalidArxivId as exc:
        raise Http404(str(exc)) from None
    paper = Paper.objects.visible().filter(arxiv_id=wanted.id).first()
    if paper is None:
        raise Http404(f"{wanted.id} is not in the catalogue")
    return paper


# A paper in a path, with an example of each spelling for the document (and its readers).
ARXIV_ID_EXAMPLES = ["2501.00001", "2501.00002v2", "hep-th/9901001"]
ArxivId = Annotated[
    str,
    Path(
        description="an arXiv id in either scheme, with or without a version (any version names "
        "the paper), or an arxiv.org URL",
        examples=ARXIV_ID_EXAMPLES,
    ),
]


class Paging(Schema):
    limit: int = F(20, ge=1, le=100)
    offset: int = F(0, ge=0, le=MAX_OFFSET)


def _described(name: str) -> WithJsonSchema:
    """The pattern ``FeedFilters`` checks a value of ``name`` with, for the document (the
    view checks, in Python, with the same expression)."""
    return WithJsonSchema({"type": "string", "pattern": f"^{VALUE_PATTERNS[name]}$"})


CatValue = Annotated[str, _described("cat")]
ExcludeValue = Annotated[str, _described("exclude")]
HideValue = Annotated[str, _described("hide")]


class ListFilters(Schema):
    """The list filters, as every list page and feed takes them."""

    cat: list[CatValue] | None = F(
        None,
        max_length=MAX_VALUES,
        description="categories to include, comma-separated or repeated: cs means every cs.* "
        "category, cs.LG only that one",
    )
    exclude: list[ExcludeValue] | None = F(
        None,
        max_length=MAX_VALUES,
        description="words (or phrases) to leave out, comma-separated or repeated: a paper whose "
        "title or abstract holds one as whole words is left out; word endings are ignored "
        "(transformer also leaves out Transformers)",
    )
    hide: list[HideValue] | None = F(
        None,
        max_length=MAX_VALUES,
        description="read, not_interested: leave out the papers the caller marked so (signed in "
        "with a session or an API token; ignored otherwise)",
    )
    listing: Literal["all", "submitted"] | None = F(
        None,
        description="all: the whole arXiv listing (default); submitted: only papers submitted "
        "to the daily list",
    )


def list_filters(request: HttpRequest, params: ListFilters) -> tuple[FeedFilters, Any]:
    """The filters a list endpoint was given, and the caller they are for (the token's
    account when one is sent, else the session's)."""
    try:
        filters = FeedFilters.from_params(
            {
                "cat": params.cat or [],
                "exclude": params.exclude or [],
                "hide": params.hide or [],
                "listing": [params.listing] if params.listing else [],
            }
        )
    except FilterError as exc:
        raise HttpError(400, str(exc)) from None
    user = request.user
    if filters.is_personal and request.headers.get("Authorization", "").strip():
        user = token_auth(request)
    return filters, user


class SimilarQuery(Schema):
    limit: int = F(10, ge=1, le=50)


@router.get(
    "/papers/{path:arxiv_id}/similar",
    response={200: SimilarOut, **ERRORS},
    summary="Papers similar to a paper",
)
def paper_similar(
    request: HttpRequest, arxiv_id: ArxivId, params: Query[SimilarQuery]
) -> dict[str, Any]:
    """Nearest neighbours by meaning (by shared words when the paper has no embedding yet)."""
    paper = find_paper(arxiv_id)
    try:
        answer = similar(paper.arxiv_id, params.limit)
    except UnknownPaper as exc:
        raise Http404(str(exc)) from None
    with_comment_counts(r.paper for r in answer.results)
    return {
        "id": paper.arxiv_id,
        "mode": answer.mode,
        "notes": answer.notes,
        "results": [{**paper_out(r.paper), "score": r.score} for r in answer.results],
    }


@router.get("/papers/{path:arxiv_id}", response={200: PaperOut, **ERRORS}, summary="One paper")
def paper_detail(request: HttpRequest, arxiv_id: ArxivId) -> dict[str, Any]:
    """A paper by arXiv id: ``2401.01234``, ``2401.01234v2`` (any version names the paper) or
    an old-style ``hep-th/9901001``."""
    return paper_out(find_paper(arxiv_id))


class SearchQuery(Schema):
    q: str = F(description='words, "phrases", author:, cat:, since:, until:, has:code')
    mode: Literal["hybrid", "lexical", "semantic"] = "hybrid"
    sort: Literal["relevance", "newest"] = "relevance"
    limit: int = F(20, ge=1, le=100)
    offset: int = F(
        0,
        ge=0,
        le=MAX_SEARCH_DEPTH,
        description=f"offset + limit at most {MAX_SEARCH_DEPTH}: past that, refine the query",
    )


@router.get(
    "/search",
    response={200: SearchOut, **ERRORS},
    summary="Search",
    tags=["search"],
    openapi_extra=dependencies(sum_at_most("offset", "limit", MAX_SEARCH_DEPTH)),
)
def search_papers(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Keywords and meaning together (see docs/search.md for the syntax). ``mode`` says what
    actually answered; ``notes`` say why when it is not what was asked."""
    if params.offset + params.limit > MAX_SEARCH_DEPTH:
        raise HttpError(
            400, f"offset + limit may be at most {MAX_SEARCH_DEPTH}: refine the query instead"
        )
    answer = search(
        params.q,
        mode=Mode(params.mode),
        sort=Sort(params.sort),
        limit=params.limit,
        offset=params.offset,
    )
    with_comment_counts(r.paper for r in answer.results)
    return {
        "query": params.q,
        "mode": answer.mode,
        "notes": answer.notes,
        "limit": params.limit,
        "offset": params.offset,
        "has_more": answer.has_more,
        "results": [
            {
                **paper_out(r.paper),
                "score": r.score,
                "lexical_rank": r.lexical_rank,
                "semantic_rank": r.semantic_rank,
            }
            for r in answer.results
        ],
    }


class DailyQuery(Paging, ListFilters):
    date: str | None = period_field("day", "YYYY-MM-DD; the newest day with papers if absent")


def period_parameter(name: str, kind: str, text: str) -> Period:
    """The query parameter ``name`` as a period of ``kind``: catalogue.periods parses it, in
    its canonical spelling only (the site redirects other spellings to it; an API parameter
    has the one the document's pattern shows)."""
    try:
        period = parse(kind, text)
    except BadPeriod as exc:
        raise HttpError(400, f"{name}: {exc}") from None
    if period.slug != text:
        raise HttpError(400, f"{name}: write {period.slug}, not {text[:40]!r}")
    return period


@router.get(
    "/daily", response={200: DailyOut, **LIST_ERRORS}, summary="A day's list", tags=["lists"]
)
def daily(request: HttpRequest, params: Query[DailyQuery]) -> dict[str, Any]:
    """The papers of one day, the most upvoted first (the site's day page)."""
    period: Period | None
    if params.date is not None:
        period = period_parameter("date", "day", params.date)
    else:
        latest = latest_day()
        period = day(latest) if latest else None
    filters, user = list_filters(request, params)
    papers: list[Paper] = []
    if period is not None:
        ranked = filters.apply(trend.day_list(period).defer(*UNSHOWN), user)
        papers = with_comment_counts(ranked[params.offset : params.offset + params.limit + 1])
    return {
        "date": period.first if period else None,
        "limit": params.limit,
        "offset": params.offset,
        "has_more": len(papers) > params.limit,
        "papers": [paper_out(p) for p in papers[: params.limit]],
    }


class TrendingQuery(Paging, ListFilters):
    pass


@router.get(
    "/trending", response={200: TrendingOut, **LIST_ERRORS}, summary="Trending", tags=["lists"]
)
def trending(request: HttpRequest, params: Query[TrendingQuery]) -> dict[str, Any]:
    """The last two weeks' papers by votes with time decay: ``points / (age + 2) ** 1.5``."""
    filters, user = list_filters(request, params)
    ranked = filters.apply(trend.trending().defer(*UNSHOWN), user)
    rows = with_comment_counts(ranked[params.offset : params.offset + params.limit + 1])
    items = []
    for paper in rows[: params.limit]:
        why = trend.reason(paper)
        items.append(
            {
                **paper_out(paper),
                "score": why.score,
                "points": why.points,
                "age_days": why.age_days,
                "reason": str(why),
            }
        )
    return {
        "window_days": trend.WINDOW_DAYS,
        "limit": params.limit,
        "offset": params.offset,
        "has_more": len(rows) > params.limit,
        "papers": items,
    }
