"""The plain record every source yields, and the stream protocol ingest reads.

Sources know nothing of Django or the database: they turn bytes into ``PaperRecord``
values (or ``Rejected`` notes for input they could not read) and ingest decides what to
do with them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Source(StrEnum):
    KAGGLE = "kaggle"
    LISTING = "listing"
    ARXIV_API = "arxiv-api"
    OAI = "oai"
    HF_DAILY = "hf-daily"


class LinkKind(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    HF_MODEL = "hf-model"
    HF_DATASET = "hf-dataset"
    HF_SPACE = "hf-space"
    PROJECT = "project"


@dataclass(frozen=True, slots=True)
class Link:
    kind: LinkKind
    url: str


@dataclass(frozen=True, slots=True)
class Version:
    number: int
    created: dt.datetime | None  # aware, UTC


@dataclass(slots=True)
class PaperRecord:
    """One paper as one source saw it. Empty strings / None mean "this source does not say"."""

    arxiv_id: str  # canonical, without version: "2401.01234" or "hep-th/9901001"
    source: Source
    where: str  # how to name this record in a report: "line 12", "entry 3 of page 2"
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # arXiv categories, primary first
    versions: list[Version] = field(default_factory=list)
    published: dt.datetime | None = None  # first version, aware UTC
    updated: dt.datetime | None = None  # latest version, aware UTC
    doi: str = ""
    journal_ref: str = ""
    comments: str = ""
    license: str = ""
    report_no: str = ""
    links: list[Link] = field(default_factory=list)  # links the source states outright
    listing_date: dt.date | None = None  # day of arXiv's daily "new" listing
    # Community side (Hugging Face daily papers, and later our own submissions).
    daily_date: dt.date | None = None
    submitted_by: str = ""
    submitted_at: dt.datetime | None = None
    upvotes: int | None = None
    organization: str = ""
    # A digest of the raw input, so an unchanged re-import is recognised without a merge.
    fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    """Input a source could not turn into a record: reported, skipped, never fatal."""

    where: str  # "line 12", "2401.01234", "2024-12-12.json.gz item 3"
    reason: str


@dataclass(slots=True)
class Pending:
    """A record read but not converted yet: its id and fingerprint are known, the rest on demand.

    File sources yield these so that ingest can skip an unchanged record (fingerprint already
    in the catalogue) without paying for the full conversion; ``resolve`` does the rest.
    """

    arxiv_id: str
    fingerprint: str
    where: str
    resolve: Callable[[], PaperRecord | Rejected]


SourceItem = PaperRecord | Rejected | Pending


class RecordStream(Protocol):
    """What ingest reads: an iterable of items plus what a progress bar and a resume need.

    ``cursor`` is read after each item: re-opening the stream at that cursor yields every
    item after it (and possibly a few before it again; ingest is idempotent).
    """

    label: str  # what is being read, for messages: a path, a URL, "arXiv API cs.LG"
    notes: list[str]  # things worth telling the operator that are not rejections
    unit: str  # what ``total`` and ``position`` count: "B" for bytes, "rec" for records
    total: int | None
    cursor: str | None

    @property
    def position(self) -> int: ...

    def __iter__(self) -> Iterator[SourceItem]: ...


def fingerprint(raw: bytes) -> str:
    """A short digest of a record's raw bytes (collisions only cost a redundant merge)."""
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


class ListStream:
    """A stream over items already in hand (one paper fetched by id, a test's records)."""

    unit = "rec"
    cursor: str | None = None

    def __init__(self, items: list[SourceItem], label: str) -> None:
        self._items = items
        self.label = label
        self.notes: list[str] = []
        self.total: int | None = len(items)
        self._yielded = 0

    @property
    def position(self) -> int:
        return self._yielded

    def __iter__(self) -> Iterator[SourceItem]:
        for item in self._items:
            self._yielded += 1
            yield item
