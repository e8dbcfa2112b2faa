"""JSON Lines of arXiv's daily "new" listings (the shape of arxiv-cs-daily-listings).

Each line: id, title, summary, authors [..], categories [..], comment, and, when the file was
assembled from several days, listing_date. A raw daily file (``2026-07-01.jsonl``) has no
listing_date field; the date in its name is used.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from paperwire.sources.arxiv_ids import InvalidArxivId, is_arxiv_category, parse_arxiv_id
from paperwire.sources.jsonlines import (
    BadField,
    JsonLinesStream,
    opt_date,
    opt_str,
    req_str,
    str_list,
)
from paperwire.sources.records import PaperRecord, Source, Version
from paperwire.sources.text import clean

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def listing_stream(path: Path, cursor: str | None = None) -> JsonLinesStream:
    match = _DATE_IN_NAME.search(path.name)
    day = dt.date.fromisoformat(match.group(1)) if match else None

    def convert(obj: dict[str, Any], line: int, raw: bytes) -> PaperRecord:
        return convert_listing(obj, line, raw, file_day=day)

    return JsonLinesStream(path, convert, cursor)


def convert_listing(
    obj: dict[str, Any], line: int, raw: bytes, file_day: dt.date | None = None
) -> PaperRecord:
    """One listing line's record; the stream that read ``raw`` gives it its fingerprint."""
    try:
        arxiv = parse_arxiv_id(req_str(obj, "id"))
    except InvalidArxivId as exc:
        raise BadField(str(exc)) from None
    categories = [c.strip() for c in str_list(obj, "categories")]
    return PaperRecord(
        arxiv_id=arxiv.id,
        source=Source.LISTING,
        where=f"line {line}",
        title=clean(req_str(obj, "title")),
        abstract=clean(opt_str(obj, "summary")),
        authors=[clean(a) for a in str_list(obj, "authors") if a.strip()],
        categories=list(dict.fromkeys(c for c in categories if is_arxiv_category(c))),
        versions=[Version(arxiv.version, None)] if arxiv.version else [],
        comments=clean(opt_str(obj, "comment")),
        listing_date=opt_date(obj, "listing_date") or file_day,
    )
