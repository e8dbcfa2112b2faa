"""A record stream over a JSON Lines file: one JSON object a line, plain or gzip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from paperwire.sources.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.sources.lines import LineReader
from paperwire.sources.records import PaperRecord, Pending, Rejected, SourceItem, fingerprint


class BadField(ValueError):
    """A field of a record has the wrong type or value; the message names it."""


Converter = Callable[[dict[str, Any], int, bytes], PaperRecord]


class JsonLinesStream:
    """Reads ``path`` a line at a time and converts each object with ``convert``.

    The cursor is the number of the last line read, so a resumed import skips exactly the
    lines already committed. Records come out as ``Pending`` (id and fingerprint read, the
    conversion deferred). Bad JSON, a line that is not an object, or a ``BadField`` raised by
    the converter become a ``Rejected`` naming the line.
    """

    unit = "B"

    def __init__(self, path: Path, convert: Converter, cursor: str | None = None) -> None:
        self.path = path
        self.label = str(path)
        self.notes: list[str] = []
        self._convert = convert
        start = int(cursor) if cursor else 0
        self._reader = LineReader(path, skip=start)
        self.total: int | None = self._reader.size
        self.cursor: str | None = str(start)

    @property
    def position(self) -> int:
        return self._reader.position

    def __iter__(self) -> Iterator[SourceItem]:
        for number, raw in self._reader:
            self.cursor = str(number)
            raw = raw.strip()
            if not raw:
                continue
            yield self.item(number, raw)

    def item(self, number: int, raw: bytes, digest: str | None = None) -> SourceItem:
        """What line ``number`` (stripped, not empty) yields: the one home of a line's checks.

        ``digest``: the line's ``fingerprint``, when the caller has it already.
        """
        obj = self._object(number, raw)
        if isinstance(obj, Rejected):
            return obj
        if digest is None:
            digest = fingerprint(raw)
        value = obj.get("id")
        try:
            arxiv_id = parse_arxiv_id(value).id if isinstance(value, str) else None
        except InvalidArxivId:
            arxiv_id = None
        if arxiv_id is None:
            return self._convert_obj(obj, number, raw, digest)  # rejected, with its reason
        return Pending(
            arxiv_id,
            digest,
            line_where(number),
            lambda: self._convert_obj(obj, number, raw, digest),
        )

    def record(self, number: int, raw: bytes, digest: str) -> PaperRecord | Rejected:
        """What ``item(number, raw, digest)`` resolves to, without reading the id first: for a
        caller that knows the line's id and fingerprint and wants the record."""
        obj = self._object(number, raw)
        if isinstance(obj, Rejected):
            return obj
        return self._convert_obj(obj, number, raw, digest)

    def _object(self, number: int, raw: bytes) -> dict[str, Any] | Rejected:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return Rejected(line_where(number), f"invalid JSON ({exc})")
        if not isinstance(obj, dict):
            return Rejected(line_where(number), f"expected a JSON object, got {type(obj).__name__}")
        return obj

    def _convert_obj(
        self, obj: dict[str, Any], number: int, raw: bytes, digest: str
    ) -> PaperRecord | Rejected:
        try:
            record = self._convert(obj, number, raw)
        except BadField as exc:
            return Rejected(_where_with_id(line_where(number), obj), str(exc))
        # The stream is where a line's fingerprint is made: a converter need not make it again.
        record.fingerprint = digest
        return record


def line_where(number: int) -> str:
    """How a report names line ``number`` of the file."""
    return f"line {number}"


def _where_with_id(where: str, obj: dict[str, Any]) -> str:
    value = obj.get("id")
    if isinstance(value, str) and value.strip() and len(value) < 60:
        return f"{where} ({value.strip()})"
    return where


# Typed field readers: a missing field or JSON null reads as "absent"; a wrong type is an error.


def opt_str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadField(f"field {key!r} should be a string, not {type(value).__name__}")
    return value


def req_str(obj: dict[str, Any], key: str) -> str:
    value = opt_str(obj, key)
    if not value.strip():
        raise BadField(f"field {key!r} is missing or empty")
    return value


def str_list(obj: dict[str, Any], key: str) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadField(f"field {key!r} should be a list of strings")
    return value


def opt_date(obj: dict[str, Any], key: str) -> dt.date | None:
    value = opt_str(obj, key)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadField(f"field {key!r} is not a YYYY-MM-DD date: {value[:40]!r}") from None
