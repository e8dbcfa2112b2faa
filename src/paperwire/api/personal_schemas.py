"""The shapes of a reader's own endpoints: library, collections, feedback and For you.

What a reader writes (collection names, notes, tags) is held by the patterns below to what
the library and both databases take: a name with something besides spaces, no NUL character
(PostgreSQL refuses it in text and JSON). The lengths are the library's own limits, so a body
the document allows is one the library accepts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from paperwire.api.schemas import PaperOut

# The library's limits (paperwire.library.core), restated as the document's: a test checks
# that the two agree.
MAX_NAME = 100
MAX_NOTE = 20_000
MAX_TAGS = 20
MAX_TAG = 50

NO_NUL = r"^[^\x00]*$"
# Python's \s is str.isspace, which is what the library's whitespace folding splits on.
SOME_TEXT = r"^[^\x00]*[^\x00\s][^\x00]*$"

Tag = Annotated[str, Field(max_length=MAX_TAG, pattern=NO_NUL)]
FeedbackKind = Literal["more", "less", "not_interested", "read"]
FEEDBACK_KINDS: tuple[str, ...] = ("more", "less", "not_interested", "read")


class CollectionOut(Schema):
    slug: str = Field(
        description="the collection's address in this API: /api/library/collections/{slug}"
    )
    name: str
    public: bool = Field(description="readable by anyone with its link; private by default")
    default: bool = Field(description='your "Saved": it cannot be renamed or deleted')
    papers: int = Field(description="how many papers it holds")
    created_at: dt.datetime
    updated_at: dt.datetime
    public_token: str | None = Field(
        description="while public: anyone reads it at /api/public/collections/{public_token}"
    )


class PublicCollectionOut(Schema):
    name: str
    limit: int
    offset: int
    has_more: bool
    papers: list[PaperOut] = Field(description="the newest added first; no notes or tags")


class LibraryOut(Schema):
    collections: list[CollectionOut] = Field(description='"Saved" first, then by name')


class CollectionIn(Schema):
    name: str = Field(
        max_length=MAX_NAME,
        pattern=SOME_TEXT,
        description="any text; runs of spaces count as one",
        examples=["Reading group"],
    )
    public: bool = Field(False, strict=True, description="readable by anyone with its link")


class CollectionChange(Schema):
    name: str | None = Field(
        None,
        max_length=MAX_NAME,
        pattern=SOME_TEXT,
        description='a new name (its address changes with it); "Saved" keeps its name',
    )
    public: bool | None = Field(None, strict=True, description="make it public or private")


class EntryIn(Schema):
    note: str | None = Field(
        None,
        max_length=MAX_NOTE,
        pattern=NO_NUL,
        description="your private note; left out: the note stays as it is",
    )
    tags: list[Tag] | None = Field(
        None,
        max_length=MAX_TAGS,
        description="your tags (duplicates ignored, whatever the case); left out: unchanged",
    )


class EntryOut(PaperOut):
    note: str = Field(description="your private note")
    tags: list[str]
    added_at: dt.datetime


class CollectionPapersOut(Schema):
    collection: CollectionOut
    limit: int
    offset: int
    has_more: bool
    papers: list[EntryOut] = Field(description="the newest added first")


class FeedbackIn(Schema):
    kind: FeedbackKind = Field(
        description='"more" or "less" like this (each replaces the other), "not_interested" '
        '(hidden from your lists, and learnt from), "read" (hidden if you hide read papers)'
    )


class FeedbackOut(Schema):
    id: str
    marks: list[FeedbackKind] = Field(description="what you have said of this paper now")


class PeriodOut(Schema):
    kind: Literal["day", "week", "month"]
    slug: str = Field(description="the period's spelling: 2025-03-12, 2025-W11 or 2025-03")
    first: dt.date
    last: dt.date


class ForYouPaper(PaperOut):
    score: float = Field(description="how well the paper fits you: higher is better")
    why: list[str] = Field(description="why it is here, in words")


class ForYouOut(Schema):
    period: PeriodOut | None = Field(description="the papers ranked; null if there are none")
    status: str = Field(
        description='"ready", or what stands between you and a ranking: "no_signals", '
        '"few_signals", "training"'
    )
    message: str = Field(description="the status for people: what to do, if anything")
    items: list[ForYouPaper] = Field(description="the best first")
