"""``/api/daily_papers``: Hugging Face's endpoint of that name, so its clients can point here.

It takes the site's list filters too (``cat``, ``exclude``, ``hide``, ``listing``; see
``reads.ListFilters``), which Hugging Face's endpoint does not have.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import F as Col
from django.http import HttpRequest
from ninja import Field, Query, Router
from ninja.errors import HttpError

from paperwire.api.openapi import dependencies, zero_or_one
from paperwire.api.reads import UNSHOWN, ListFilters, list_filters, period_parameter
from paperwire.api.schemas import Error, HfDailyItem, period_field
from paperwire.api.serialize import hf_item, with_comment_counts
from paperwire.catalogue.periods import PERIOD_PARAMETERS, BadPeriod, Period, named_or_latest
from paperwire.community import trending as trend

router = Router(tags=["Hugging Face compatible"])

MAX_PAGE = 10_000


class DailyPapersQuery(ListFilters):
    date: str | None = period_field("day", "YYYY-MM-DD")
    week: str | None = period_field("week", "YYYY-Www, e.g. 2026-W34")
    month: str | None = period_field("month", "YYYY-MM")
    sort: Literal["publishedAt", "trending"] = Field(
        "publishedAt", description="publishedAt: newest first; trending: most upvoted first"
    )
    p: int = Field(0, ge=0, le=MAX_PAGE, description="page, counted from 0")
    limit: int = Field(50, ge=1, le=100)


# The parameter naming each kind of period; they exclude each other.
def period_of(params: Any) -> Period | None:
    """The period ``params``' date, week or month names (in its canonical spelling), else the
    newest day with papers (catalogue.periods.named_or_latest); a bad one is a 400."""
    given = {name: getattr(params, name, None) for name in PERIOD_PARAMETERS}
    try:
        period = named_or_latest(given)
    except BadPeriod as exc:
        raise HttpError(400, str(exc)) from None
    for name, text in given.items():
        if text is not None:
            return period_parameter(name, PERIOD_PARAMETERS[name], text)
    return period


@router.get(
    "/daily_papers",
    response={200: list[HfDailyItem], 400: Error, 401: Error, 403: Error},
    exclude_none=True,
    summary="Daily papers, in Hugging Face's shape",
    openapi_extra=dependencies(zero_or_one(*PERIOD_PARAMETERS)),
)
def daily_papers(request: HttpRequest, params: Query[DailyPapersQuery]) -> list[dict[str, Any]]:
    """The papers of a day, an ISO week or a month (the newest day if none is given), as a
    JSON array of items shaped like ``https://huggingface.co/api/daily_papers``. Fields this
    site has nothing honest for are left out; docs/api.md has the mapping."""
    period = period_of(params)
    filters, user = list_filters(request, params)
    if period is None:
        return []
    ranked = filters.apply(trend.day_list(period).defer(*UNSHOWN), user)
    if params.sort == "trending":
        ordered = ranked
    else:
        ordered = ranked.order_by(
            Col("published").desc(nulls_last=True),
            Col("announced_on").desc(nulls_last=True),
            "-arxiv_id",
        )
    start = params.p * params.limit
    page = with_comment_counts(ordered[start : start + params.limit])
    return [hf_item(paper) for paper in page]
