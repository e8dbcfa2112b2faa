"""The shapes the API returns and accepts (they are also its OpenAPI document).

Every piece of paper text is a JSON string, escaped by the serializer and never HTML.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Any

from ninja import Field, Schema

from paperwire.catalogue.periods import FIRST_YEAR, LAST_YEAR


def _years(years: Iterable[int]) -> str:
    """A regular expression for these four-digit years, a decade at a time: 199[1-9]|200[0-9]…"""
    parts = []
    for decade, group in itertools.groupby(sorted(years), key=lambda year: year // 10):
        digits = [year % 10 for year in group]
        if len(digits) == 1:
            parts.append(f"{decade}{digits[0]}")
        elif digits == list(range(digits[0], digits[-1] + 1)):
            parts.append(f"{decade}[{digits[0]}-{digits[-1]}]")
        else:
            parts.append(f"{decade}[{''.join(map(str, digits))}]")
    return "|".join(parts)


# The canonical spellings of a day, a week and a month (``Period.slug``) with the years
# catalogue.periods takes, as patterns for the document: exactly the values the API accepts
# (the views parse with catalogue.periods and take the canonical spelling only), so the fuzz
# test can hold the server to them. A day's calendar (no 30 February) is the ``date`` format's.
_YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
_ANY_YEAR = _years(_YEARS)
# ISO years with a week 53: those whose 28 December (always in the year's last week) is in it.
_LONG_YEARS = _years(y for y in _YEARS if dt.date(y, 12, 28).isocalendar().week == 53)
_MONTHS = "0[1-9]|1[0-2]"
PATTERNS = {
    "day": rf"^(?:{_ANY_YEAR})-(?:{_MONTHS})-(?:0[1-9]|[12][0-9]|3[01])$",
    "week": rf"^(?:(?:{_ANY_YEAR})-W(?:0[1-9]|[1-4][0-9]|5[0-2])|(?:{_LONG_YEARS})-W53)$",
    "month": rf"^(?:{_ANY_YEAR})-(?:{_MONTHS})$",
}


def period_field(kind: str, description: str) -> Any:
    """An optional query parameter naming a period of ``kind`` (day, week or month); the
    views parse it (``reads.period_parameter``), the pattern is for the document."""
    extra: dict[str, Any] = {"pattern": PATTERNS[kind]}
    if kind == "day":
        extra["format"] = "date"
    return Field(None, description=description, json_schema_extra=extra)


class Error(Schema):
    detail: str = Field(description="one line saying what was wrong")


class LinkOut(Schema):
    kind: str = Field(description="github, gitlab, hf-model, hf-dataset, hf-space or project")
    url: str


class PaperOut(Schema):
    id: str = Field(description="arXiv id without version: 2401.01234 or hep-th/9901001")
    title: str
    abstract: str
    authors: list[str] = Field(description="names, in the paper's order")
    categories: list[str] = Field(description="arXiv categories, the primary first")
    primary_category: str
    published: dt.datetime | None = Field(description="first version")
    updated: dt.datetime | None = Field(description="latest version")
    latest_version: int | None
    day: dt.date | None = Field(
        description="the day's list the paper is on: the day it was submitted to, else its "
        "arXiv listing day"
    )
    upvotes: int = Field(description="votes: the imported Hugging Face count plus this site's")
    submitted_by: str = Field(description="who put it on a day's list; empty if no one did")
    organization: str
    doi: str
    journal_ref: str
    comments: str
    links: list[LinkOut]
    url: str = Field(description="the paper's page on this site (a path)")
    arxiv_url: str
    pdf_url: str
    code_url: str | None
    num_comments: int = Field(description="visible comments in the paper's discussion here")


class ScoredPaper(PaperOut):
    score: float


class SearchHit(ScoredPaper):
    lexical_rank: int | None = Field(description="rank among the keyword matches, if there")
    semantic_rank: int | None = Field(description="rank among the nearest by meaning, if there")


class SearchOut(Schema):
    query: str
    mode: str = Field(
        description='what answered: "hybrid", "lexical", "semantic", "id" (the query named a '
        'paper) or "none" (nothing to search for)'
    )
    notes: list[str] = Field(description="what the engine wants the reader to know")
    limit: int
    offset: int
    has_more: bool
    results: list[SearchHit]


class SimilarOut(Schema):
    id: str
    mode: str = Field(description='"semantic", or "lexical" when the paper has no embedding yet')
    notes: list[str]
    results: list[ScoredPaper]


class DailyOut(Schema):
    date: dt.date | None = Field(description="the day listed; null if the catalogue is empty")
    limit: int
    offset: int
    has_more: bool
    papers: list[PaperOut]


class TrendingPaper(PaperOut):
    score: float = Field(description="points / (age_days + 2) ** 1.5")
    points: float = Field(description="imported upvotes plus this site's weighted votes")
    age_days: int = Field(description="days between the paper's day and the newest day")
    reason: str = Field(description="the score worked out, for people")


class TrendingOut(Schema):
    window_days: int
    limit: int
    offset: int
    has_more: bool
    papers: list[TrendingPaper]


class VoteIn(Schema):
    # Strict: pydantic would read 0, 1, "yes" or "off" as a choice, which the schema does not
    # allow and a client sending them most likely did not mean.
    voted: bool | None = Field(
        None, strict=True, description="true: vote; false: take the vote back; absent: toggle"
    )


class VoteOut(Schema):
    id: str
    voted: bool
    upvotes: int


SUBMIT_EXAMPLES = ["2501.00003", "https://arxiv.org/abs/2501.00004v2"]


class SubmitIn(Schema):
    paper: str = Field(
        description="an arXiv id or arxiv.org URL", max_length=2000, examples=SUBMIT_EXAMPLES
    )


class SubmitOut(Schema):
    day: dt.date = Field(description="the list it was put on")
    fetched: bool = Field(description="it was new to this site and was fetched from arXiv")
    paper: PaperOut


class TokenIn(Schema):
    name: str = Field("token", max_length=100, description="to tell your tokens apart")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="the token's first characters")
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="the secret: shown this once, never stored")


# -- Hugging Face's /api/daily_papers item ---------------------------------------------------


class HfAuthor(Schema):
    name: str
    hidden: bool = False


class HfUser(Schema):
    name: str
    fullname: str
    user: str | None = None
    type: str = "user"


class HfOrganization(Schema):
    name: str
    fullname: str


class HfPaper(Schema):
    # Hugging Face's field names, camelCase as its clients read them.
    id: str
    authors: list[HfAuthor]
    # Left out when unknown (the endpoint drops None fields, as Hugging Face does).
    publishedAt: str | None = None
    submittedOnDailyAt: str | None = None
    submittedOnDailyBy: HfUser | None = None
    title: str
    summary: str
    upvotes: int
    githubRepo: str | None = None
    projectPage: str | None = None
    organization: HfOrganization | None = None


class HfDailyItem(Schema):
    paper: HfPaper
    publishedAt: str | None = None
    title: str
    summary: str
    numComments: int = Field(description="the paper's visible comments on this site")
    submittedBy: HfUser | None = None
    organization: HfOrganization | None = None
    isAuthorParticipating: bool
