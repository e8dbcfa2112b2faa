"""The shapes the API returns and accepts (they are also its OpenAPI document).

Every piece of paper text is a JSON string, escaped by the serializer and never HTML.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


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
    voted: bool | None = Field(
        None, description="true: vote; false: take the vote back; absent: toggle"
    )


class VoteOut(Schema):
    id: str
    voted: bool
    upvotes: int


class SubmitIn(Schema):
    paper: str = Field(description="an arXiv id or arxiv.org URL", max_length=2000)


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
    publishedAt: str | None
    submittedOnDailyAt: str | None
    submittedOnDailyBy: HfUser | None = None
    title: str
    summary: str
    upvotes: int
    githubRepo: str | None = None
    projectPage: str | None = None
    organization: HfOrganization | None = None


class HfDailyItem(Schema):
    paper: HfPaper
    publishedAt: str | None
    title: str
    summary: str
    numComments: int
    submittedBy: HfUser | None = None
    organization: HfOrganization | None = None
    isAuthorParticipating: bool
