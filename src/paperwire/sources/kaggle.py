"""The Kaggle arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json): JSON Lines, streamed.

The real file has about 2.7 million lines (4.5 GB); it is read a line at a time.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from paperwire.sources.arxiv_ids import InvalidArxivId, is_arxiv_category, parse_arxiv_id
from paperwire.sources.jsonlines import BadField, JsonLinesStream, opt_str, req_str
from paperwire.sources.records import PaperRecord, Source, Version
from paperwire.sources.text import clean, detex_name

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_AUTHOR_SPLIT = re.compile(r",\s*|\s+and\s+")
_SPLIT_INITIAL = re.compile(r"\.\s+-")


def kaggle_stream(path: Path, cursor: str | None = None) -> JsonLinesStream:
    return JsonLinesStream(path, convert_kaggle, cursor)


def convert_kaggle(obj: dict[str, Any], line: int, raw: bytes) -> PaperRecord:
    """One snapshot line's record; the stream that read ``raw`` gives it its fingerprint."""
    try:
        arxiv = parse_arxiv_id(req_str(obj, "id"))
    except InvalidArxivId as exc:
        raise BadField(str(exc)) from None
    versions = _versions(obj.get("versions"))
    categories = [c for c in opt_str(obj, "categories").split() if is_arxiv_category(c)]
    return PaperRecord(
        arxiv_id=arxiv.id,
        source=Source.KAGGLE,
        where=f"line {line}",
        title=clean(req_str(obj, "title")),
        abstract=clean(opt_str(obj, "abstract")),
        authors=_authors(obj),
        categories=list(dict.fromkeys(categories)),
        versions=versions,
        published=versions[0].created if versions else None,
        updated=versions[-1].created if versions else None,
        doi=clean(opt_str(obj, "doi")),
        journal_ref=clean(opt_str(obj, "journal-ref")),
        comments=clean(opt_str(obj, "comments")),
        license=clean(opt_str(obj, "license")),
        report_no=clean(opt_str(obj, "report-no")),
    )


def _authors(obj: dict[str, Any]) -> list[str]:
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for entry in parsed:
            if not isinstance(entry, list) or not all(isinstance(p, str) for p in entry):
                raise BadField("field 'authors_parsed' should be a list of [last, first, suffix]")
            last, first, suffix = [*entry, "", "", ""][:3]
            # The snapshot's parser splits hyphenated initials: "C.-P." arrives as "C. -P.".
            first = _SPLIT_INITIAL.sub(".-", first)
            name = detex_name(" ".join(part for part in (first, last, suffix) if part.strip()))
            if name:
                names.append(name)
        return names
    return [detex_name(n) for n in _AUTHOR_SPLIT.split(opt_str(obj, "authors")) if n.strip()]


def _versions(value: object) -> list[Version]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadField("field 'versions' should be a list")
    versions = []
    for item in value:
        if not isinstance(item, dict):
            raise BadField("field 'versions' should hold objects")
        label = item.get("version")
        if not isinstance(label, str) or not label[1:].isdigit() or label[:1] != "v":
            raise BadField(f"version label should look like 'v2', not {label!r}")
        versions.append(Version(int(label[1:]), parse_rfc822(item.get("created"))))
    versions.sort(key=lambda v: v.number)
    return versions


def parse_rfc822(value: object) -> dt.datetime | None:
    """'Mon, 2 Apr 2007 19:18:42 GMT' -> aware UTC datetime; fast: millions are parsed."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadField(f"version date should be a string, not {type(value).__name__}")
    parts = value.split()
    try:
        _, day, month, year, clock = parts[:5]
        hour, minute, second = clock.split(":")
        return dt.datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=dt.UTC
        )
    except (ValueError, KeyError):
        raise BadField(f"version date is not an RFC 822 date: {value[:40]!r}") from None
