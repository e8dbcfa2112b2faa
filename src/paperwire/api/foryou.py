"""A reader's feedback on papers, and their For you ranking, through the API. Both need the
reader's token; what one reader says or is shown is never another's."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from paperwire.api.auth import token_auth
from paperwire.api.hf import period_of
from paperwire.api.openapi import dependencies, zero_or_one
from paperwire.api.personal_schemas import (
    FEEDBACK_KINDS,
    FeedbackIn,
    FeedbackKind,
    FeedbackOut,
    ForYouOut,
)
from paperwire.api.reads import UNSHOWN, ArxivId, ListFilters, find_paper, list_filters
from paperwire.api.schemas import Error, period_field
from paperwire.api.serialize import paper_out, with_comment_counts
from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import PERIOD_PARAMETERS
from paperwire.community import trending as trend
from paperwire.library import LibraryError, Mark, mark, reader_signals, unmark

router = Router(tags=["for you"], auth=token_auth)

AUTH_ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 403: Error}
MAX_LIMIT = 100


def _reader(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _feedback(user: User, paper: Paper) -> dict[str, Any]:
    kinds = set(
        Mark.objects.filter(user=user, paper=paper, kind__in=FEEDBACK_KINDS).values_list(
            "kind", flat=True
        )
    )
    return {"id": paper.arxiv_id, "marks": [k for k in FEEDBACK_KINDS if k in kinds]}


@router.post(
    "/papers/{path:arxiv_id}/feedback",
    response={200: FeedbackOut, 404: Error, **AUTH_ERRORS},
    summary="Tell For you about a paper",
)
def give_feedback(request: HttpRequest, arxiv_id: ArxivId, payload: FeedbackIn) -> dict[str, Any]:
    """Say "more" or "less" like this, "not_interested" or "read". Saying it again changes
    nothing; "more" replaces "less" and the other way round. Your ranking learns from it in
    the background. Answers everything you have now said of the paper."""
    user = _reader(request)
    paper = find_paper(arxiv_id)
    try:
        mark(user, paper, payload.kind, source="api")
    except LibraryError as exc:  # the schema allows only the kinds the library takes
        raise HttpError(400, str(exc)) from None
    return _feedback(user, paper)


class TakeBack(Schema):
    kind: FeedbackKind = Field(description="what to take back")


@router.delete(
    "/papers/{path:arxiv_id}/feedback",
    response={200: FeedbackOut, 404: Error, **AUTH_ERRORS},
    summary="Take feedback on a paper back",
)
def take_back_feedback(
    request: HttpRequest, arxiv_id: ArxivId, params: Query[TakeBack]
) -> dict[str, Any]:
    """Take back one thing you said of the paper (nothing happens if you had not said it).
    Answers what you still say of it."""
    user = _reader(request)
    paper = find_paper(arxiv_id)
    try:
        unmark(user, paper, params.kind)
    except LibraryError as exc:
        raise HttpError(400, str(exc)) from None
    return _feedback(user, paper)


class ForYouQuery(ListFilters):
    date: str | None = period_field("day", "YYYY-MM-DD")
    week: str | None = period_field("week", "YYYY-Www, e.g. 2026-W34")
    month: str | None = period_field("month", "YYYY-MM")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)


@router.get(
    "/for-you",
    response={200: ForYouOut, **AUTH_ERRORS},
    summary="For you: a period's papers ranked for you",
    openapi_extra=dependencies(zero_or_one(*PERIOD_PARAMETERS)),
)
def for_you(request: HttpRequest, params: Query[ForYouQuery]) -> dict[str, Any]:
    """The papers of a day, an ISO week or a month (the newest day with papers if none is
    given), ranked by what you saved, upvoted and said of papers, each with why it is there.
    Until your ranking is ready, ``items`` is empty and ``status`` and ``message`` say why
    and what to do."""
    # Imported on use, as the site's page does: the engine loads scikit-learn, which the
    # rest of the API need not pay for at start-up.
    from paperwire import foryou

    user = _reader(request)
    # hf's rule for date / week / month (one at most; the newest day if none) reads only
    # those three fields, which this query has too.
    period = period_of(params)
    filters, _ = list_filters(request, params)
    code, message = _status(foryou.status(user), user)
    answer: dict[str, Any] = {"period": None, "status": code, "message": message, "items": []}
    if period is None:
        answer["message"] = "there are no papers yet: nothing to rank"
        return answer
    answer["period"] = {
        "kind": period.kind,
        "slug": period.slug,
        "first": period.first,
        "last": period.last,
    }
    if code != "ready":
        return answer
    candidates = filters.apply(trend.day_list(period), user)
    ranked = foryou.recommend(user, candidates, params.limit)
    papers = Paper.objects.defer(*UNSHOWN).in_bulk([r.paper_id for r in ranked])
    with_comment_counts(papers.values())
    answer["items"] = [
        {**paper_out(papers[r.paper_id]), "score": float(r.score), "why": [str(w) for w in r.why]}
        for r in ranked
        if r.paper_id in papers
    ]
    return answer


# foryou.Status -> this API's status code (the document's names).
_CODES = {
    "no_signals": "no_signals",
    "few_positives": "few_signals",
    "training": "training",
    "ready": "ready",
}
MESSAGES = {
    "no_signals": "nothing to learn from yet: save papers (PUT "
    "/api/library/collections/saved/papers/{id}), upvote them, or say more like this (POST "
    "/api/papers/{id}/feedback); three are enough for a ranking",
    "few_signals": "{n} more to go: save, upvote or say more like this of {n} more papers "
    "(three are enough for a ranking)",
    "training": "your ranking is being trained from your latest signals; ask again in a minute",
    "ready": "ranked for you",
}


def _status(state: Any, user: User) -> tuple[str, str]:
    """The engine's status as this API's code and a line saying what to do."""
    code = _CODES[str(state)]
    message = MESSAGES[code]
    if code == "few_signals":
        from paperwire.foryou import MIN_POSITIVES  # the engine loads scikit-learn: on use

        missing = max(MIN_POSITIVES - len(reader_signals(user).positives), 1)
        message = message.format(n=missing)
    return code, message
