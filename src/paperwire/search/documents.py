"""The catalogue as the search indexes see it: one flat document per visible paper."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from paperwire.catalogue.keys import has_code
from paperwire.catalogue.models import Paper

EPOCH = dt.date(1970, 1, 1)
_FIELDS = (
    "pk", "arxiv_id", "title", "abstract", "authors", "match_keys", "announced_on", "links",
    "modified_at", "hidden",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SearchDoc:
    pk: int
    arxiv_id: str
    title: str
    abstract: str
    authors: list[str]
    keys: list[str]  # catalogue.keys terms: what author: and cat: match
    day: int  # days since 1970-01-01 of announced_on (0 when unknown)
    has_code: bool
    hidden: bool


def embedding_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}" if abstract else title


def content_hash(title: str, abstract: str) -> str:
    """What the embedding depends on: a paper whose title and abstract are unchanged is never
    encoded again."""
    return hashlib.blake2b(f"{title}\n{abstract}".encode(), digest_size=8).hexdigest()


def day_number(day: dt.date | None) -> int:
    return (day - EPOCH).days if day else 0


def to_doc(row: dict[str, object]) -> SearchDoc:
    links = row["links"] or []
    assert isinstance(links, list)
    return SearchDoc(
        pk=int(row["pk"]),  # type: ignore[call-overload]
        arxiv_id=str(row["arxiv_id"]),
        title=str(row["title"]),
        abstract=str(row["abstract"] or ""),
        authors=list(row["authors"] or []),  # type: ignore[call-overload]
        keys=list(row["match_keys"] or []),  # type: ignore[call-overload]
        day=day_number(row["announced_on"]),  # type: ignore[arg-type]
        has_code=has_code(links),
        hidden=bool(row["hidden"]),
    )


def iter_docs(
    *, modified_after: dt.datetime | None = None, batch: int = 2000
) -> Iterator[list[SearchDoc]]:
    """Papers in primary-key order, a batch at a time (keyset paging: no OFFSET scans)."""
    last = 0
    base = Paper.objects.all()
    if modified_after is not None:
        base = base.filter(modified_at__gt=modified_after)
    while True:
        rows = list(base.filter(pk__gt=last).order_by("pk").values(*_FIELDS)[:batch])
        if not rows:
            return
        last = int(rows[-1]["pk"])
        yield [to_doc(row) for row in rows]
