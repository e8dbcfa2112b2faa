"""The dump file: gzip'd JSON Lines, read and written a line at a time.

    {"format": "paperwire-dump", "format_version": 1, "paperwire": ..., "vendor": ...,
     "created_at": ..., "migrations": {app: [applied, ...]}, "counts": {label: rows},
     "excluded": {label: reason}}
    {"model": "catalogue.Paper", "fields": ["id", "arxiv_id", ...], "rows": 74728}
    [1, "2501.00001", ...]                       one JSON array per row, in primary-key order
    ...                                          then the next model's line and rows
    {"end": 1234567}                             every row counted: a cut-short file is refused

Values are JSON: text, numbers and booleans as they are, a JSONField's value nested, dates and
times in ISO 8601 with their offset, bytes in base64, a reference to a content type or a
permission as its natural key (plan.py).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

FORMAT = "paperwire-dump"
FORMAT_VERSION = 1


class DumpRefused(Exception):
    """A file that is not a dump this paperwire can load; the message names what is wrong."""


class Lines:
    """A dump's lines, numbered from 1, each parsed as JSON; errors name the line."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.number = 0
        # Closed by close() / __exit__: the object outlives the function that opens it.
        self._file = gzip.GzipFile(self.path, "rb")
        self._lines = iter(self._file)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def next(self) -> Any:
        try:
            raw = next(self._lines)
        except StopIteration:
            raise DumpRefused(
                f"{self.path} ends early, after line {self.number}: the dump was cut short"
            ) from None
        except (OSError, EOFError, zlib.error) as exc:
            # gzip raises BadGzipFile (an OSError) for a file that is not gzip, EOFError for
            # one cut short.
            what = "is cut short" if isinstance(exc, EOFError) else "is not a gzip'd dump"
            raise DumpRefused(f"{self.path} {what} (after line {self.number})") from None
        self.number += 1
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise DumpRefused(f"{self.path}, line {self.number}: not JSON ({exc})") from None

    def at_end(self) -> bool:
        try:
            next(self._lines)
        except StopIteration:
            return True
        except (OSError, EOFError, zlib.error):
            return False
        return False


def check_header(header: Any, path: str) -> dict[str, Any]:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DumpRefused(
            f"{path} is not a paperwire dump (its first line names no format {FORMAT!r})"
        )
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise DumpRefused(
            f"{path} is in dump format {version!r}; this paperwire reads format "
            f"{FORMAT_VERSION}: load it with the paperwire that made it, or a newer one"
        )
    for key, kind in (("migrations", dict), ("counts", dict), ("vendor", str)):
        if not isinstance(header.get(key), kind):
            raise DumpRefused(f"{path}, line 1: the header has no {key!r}")
    return header


def read_header(path: Path | str) -> dict[str, Any]:
    """A dump's first line, checked: its format, version, migrations and counts."""
    with Lines(path) as lines:
        return check_header(lines.next(), lines.path)


def sections(lines: Lines) -> Iterator[tuple[dict[str, Any], int]]:
    """Each model's line and its line number, leaving its rows for the caller to read; ends
    at the closing line."""
    while True:
        line = lines.next()
        if isinstance(line, dict) and "end" in line:
            return
        if not (
            isinstance(line, dict)
            and isinstance(line.get("model"), str)
            and isinstance(line.get("fields"), list)
            and isinstance(line.get("rows"), int)
        ):
            raise DumpRefused(
                f"{lines.path}, line {lines.number}: expected a model's line "
                '({"model": ..., "fields": [...], "rows": N})'
            )
        yield line, lines.number
