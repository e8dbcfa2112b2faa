"""Hugging Face daily papers (``https://huggingface.co/api/daily_papers?date=...``), from disk.

Three layouts are read, chosen by ``path``:

* a directory of daily files (``*.json`` and ``*.json.gz``, read in sorted name order);
* one daily file: a JSON array of API items, the day taken from the ``YYYY-MM-DD`` in its name;
* a JSON Lines file (``*.jsonl`` / ``*.jsonl.gz``): one API item a line, the day in the line's
  ``"daily_date"``.

Gzip is recognised by its magic bytes, so a misnamed file still reads.

What the fields mean changed over time (checked against 580 days, May 2024 - Aug 2026):

* When the paper was put on the daily list: until 2025-03-10 the item's top-level
  ``publishedAt`` (millisecond timestamps, never before ``paper.publishedAt``); from 2025-03-17
  ``paper.submittedOnDailyAt``. From 2025-03-11 the top-level ``publishedAt`` is only
  ``paper.publishedAt`` shifted back by the US Eastern UTC offset (4 or 5 h), so it is used
  as the submission time only where it is not earlier than ``paper.publishedAt``; on
  2025-03-11 ... 03-14 (85 items) neither field gives a submission time and it stays None.
* Who put it there: ``submittedBy.name`` from 2024-06-13, ``paper.submittedOnDailyBy.user``
  from 2025-03-17 (``.name`` too from March 2026, always the same value).
* The organization: ``submitterOrganization`` on 2025-09-29 ... 10-02, then ``organization``
  (top level and in ``paper``, the same object).

Malformed input is reported, and whatever can be read safely is kept: items that are
Python ``repr()`` strings (22 real files, Dec 2024 - Jan 2025) are recovered with
``ast.literal_eval`` (literals only, never code) and noted; an object envelope with a
``"data"`` list is unwrapped and noted; anything else becomes a ``Rejected`` and reading goes on.

Cursor: for daily files ``"<file name>:<item index>"`` names the last item handed out (index
0-based, as in ``jq '.[i]'``), or ``"<file name>:*"`` once a whole file was rejected. Re-opening
at it skips every file whose name sorts before that one and the items up to that index, so it
stays right when new days are added to the directory. For JSON Lines the cursor is
``"line <n>"``, the last line handed out.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from paperwire.sources.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.sources.links import classify
from paperwire.sources.records import (
    Link,
    PaperRecord,
    Rejected,
    Source,
    SourceItem,
    fingerprint,
)
from paperwire.sources.text import clean

_DAY_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_LINE_CURSOR_RE = re.compile(r"^line (\d+)$")
# Keys the flat JSON Lines file adds to each API item; left out of the fingerprint so an item
# read from the flat file and from its daily file is recognised as the same input.
_FLAT_FILE_KEYS = ("daily_date", "_recovered_from_python_repr", "_from_wrapped_envelope")


class _Bad(Exception):
    """An item field that cannot be read; its message is the Rejected reason."""


class HfDailyStream:
    """A ``RecordStream`` over Hugging Face daily-papers files (see the module docstring)."""

    unit = "B"

    def __init__(self, path: Path, cursor: str | None = None) -> None:
        self.path = path
        self.label = str(path)
        self.notes: list[str] = []
        self.cursor: str | None = cursor
        self._jsonl = path.is_file() and path.name.endswith((".jsonl", ".jsonl.gz"))
        if path.is_dir():
            self._files = sorted(
                (
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.name.endswith((".json", ".json.gz"))
                ),
                key=lambda p: p.name,
            )
        else:
            self._files = [path]
        self.total: int | None = sum(p.stat().st_size for p in self._files)
        self._done = 0  # bytes of files fully read (or skipped by the cursor)
        self._current = 0  # share of the current file's bytes handed out so far
        self._raw: io.BufferedReader | None = None  # the JSON Lines file while it is being read
        self._resume_line = 0
        self._resume_file: str | None = None
        self._resume_index = -1  # -2: the whole file named by the cursor is done
        if cursor is not None:
            self._parse_cursor(cursor)

    @property
    def position(self) -> int:
        if self._raw is not None and not self._raw.closed:
            return self._raw.tell()
        return self._done + self._current

    def __iter__(self) -> Iterator[SourceItem]:
        self._done = self._current = 0
        if self._jsonl:
            yield from self._read_jsonl(self.path)
            return
        for path in self._files:
            size = path.stat().st_size
            if self._resume_file is not None and (
                path.name < self._resume_file
                or (path.name == self._resume_file and self._resume_index == -2)
            ):
                self._done += size
                continue
            skip = self._resume_index if path.name == self._resume_file else -1
            yield from self._read_daily(path, size, skip)
            self._done += size
            self._current = 0

    def _parse_cursor(self, cursor: str) -> None:
        if self._jsonl:
            match = _LINE_CURSOR_RE.match(cursor)
            if not match:
                raise ValueError(
                    f"cursor for a JSON Lines file should be 'line <n>', not {cursor!r}"
                )
            self._resume_line = int(match.group(1))
            return
        name, sep, index = cursor.rpartition(":")
        if not sep or not name or not (index == "*" or index.isdigit()):
            raise ValueError(
                f"cursor for daily files should be '<file name>:<item index>', not {cursor!r}"
            )
        self._resume_file = name
        self._resume_index = -2 if index == "*" else int(index)

    # -- daily files -------------------------------------------------------------------------

    def _read_daily(self, path: Path, size: int, skip: int) -> Iterator[SourceItem]:
        name = path.name
        items, problem = self._load_daily(path)
        if items is None:
            self.cursor = f"{name}:*"
            yield Rejected(where=name, reason=problem)
            return
        day = _day_from_name(name)
        if day is None:
            self.notes.append(
                f"{name}: no YYYY-MM-DD in the file name, so its items have no daily date"
            )
        for index, item in enumerate(items):
            if index <= skip:
                continue
            where = f"{name} item {index}"
            result = (
                Rejected(where=where, reason=item.reason)
                if isinstance(item, _Unreadable)
                else _convert(item, where, day)
            )
            self.cursor = f"{name}:{index}"
            self._current = size * (index + 1) // len(items)
            yield result

    def _load_daily(self, path: Path) -> tuple[list[object] | None, str]:
        """The file's items (repr strings recovered), or None and why the file is unreadable."""
        name = path.name
        try:
            data = _read_bytes(path)
        except (OSError, EOFError, zlib.error) as exc:
            return None, f"cannot read the file: {_one_line(exc)}"
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            return None, f"not JSON: {_one_line(exc)}"
        if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
            keys = ", ".join(f'"{k}"' for k in parsed)
            note = (
                f"{name}: the items are wrapped in an object ({keys}) instead of being a "
                f'JSON array; read its "data" list'
            )
            count = parsed.get("count")
            if isinstance(count, int) and count != len(parsed["data"]):
                note += f' (its "count" says {count}, the list holds {len(parsed["data"])})'
            self.notes.append(note)
            parsed = parsed["data"]
        if not isinstance(parsed, list):
            return None, f"expected a JSON array of items, found {_json_kind(parsed)}"
        # Recovered up front so the note is made even if the reader stops part-way.
        items: list[object] = []
        strings = recovered = 0
        for item in parsed:
            if isinstance(item, str):
                strings += 1
                try:
                    item = _from_python_repr(item)
                    recovered += 1
                except _Bad as exc:
                    item = _Unreadable(str(exc))
            items.append(item)
        if strings:
            self.notes.append(_repr_note(name, strings, recovered))
        return items, ""

    # -- JSON Lines --------------------------------------------------------------------------

    def _read_jsonl(self, path: Path) -> Iterator[SourceItem]:
        strings = recovered = no_day = 0
        number = 0
        with open(path, "rb") as raw:
            self._raw = raw
            try:
                for number, line in _numbered_lines(raw):
                    if number <= self._resume_line or not line.strip():
                        continue
                    where = f"line {number}"
                    try:
                        item = _parse_line(line)
                        if isinstance(item, str):
                            strings += 1
                            item = _from_python_repr(item)
                            recovered += 1
                        result = _flat_item(item, where)
                    except _Bad as exc:
                        result = Rejected(where=where, reason=str(exc))
                    if isinstance(result, PaperRecord) and result.daily_date is None:
                        no_day += 1
                    self.cursor = where
                    yield result
            except _Truncated as exc:
                # Every complete line before the break has been read; say where it stopped.
                yield Rejected(
                    where=f"line {number + 1}",
                    reason=f"the file ends early, nothing after line {number} can be read: {exc}",
                )
            finally:
                self._done = raw.tell()
                self._raw = None
        if strings:
            self.notes.append(_repr_note(path.name, strings, recovered, unit="lines"))
        if no_day:
            self.notes.append(f'{path.name}: {no_day} lines have no "daily_date"')


class _Unreadable:
    """A repr() string item that could not be recovered; kept in place so indices hold."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Truncated(Exception):
    pass


def _numbered_lines(raw: io.BufferedReader) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` from a plain or gzip file; ``_Truncated`` at a broken end.

    ``read1`` hands over whatever has been decompressed before gzip notices the damage, so a
    truncated file still gives every complete line before the break (``LineReader``'s
    buffered read would drop them).
    """
    magic = raw.read(2)
    raw.seek(0)
    stream: io.BufferedReader | gzip.GzipFile = (
        gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
    )
    pending = b""
    number = 0
    while True:
        try:
            chunk = stream.read1(1 << 20)
        except (OSError, EOFError, zlib.error) as exc:
            # Lines already complete in ``pending`` come out; a partial last line does not.
            *complete, _ = pending.split(b"\n")
            for line in complete:
                number += 1
                yield number, line
            raise _Truncated(_one_line(exc)) from None
        if not chunk:
            break
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            number += 1
            yield number, line
    if pending:
        yield number + 1, pending


def _parse_line(line: bytes) -> object:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise _Bad(f"not JSON: {_one_line(exc)}") from None


def _flat_item(item: object, where: str) -> SourceItem:
    """An item of the flat file: an API item plus its "daily_date"."""
    if not isinstance(item, dict):
        raise _Bad(f"expected a JSON object, found {_json_kind(item)}")
    day_value = item.get("daily_date")
    day = None if day_value is None else _date(day_value)
    api_item = {k: v for k, v in item.items() if k not in _FLAT_FILE_KEYS}
    return _convert(api_item, where, day)


# -- one item ----------------------------------------------------------------------------------


def _convert(item: object, where: str, day: dt.date | None) -> SourceItem:
    if not isinstance(item, dict):
        return Rejected(where=where, reason=f"expected a JSON object, found {_json_kind(item)}")
    try:
        return _record(item, where, day)
    except _Bad as exc:
        return Rejected(where=where, reason=str(exc))


def _record(item: dict[str, Any], where: str, day: dt.date | None) -> PaperRecord:
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise _Bad('no "paper" object' if paper is None else '"paper" is not an object')
    paper_id = paper.get("id")
    if not isinstance(paper_id, str) or not paper_id.strip():
        raise _Bad(
            "no paper id" if paper_id is None else f"paper.id is not a string: {paper_id!r:.60}"
        )
    try:
        arxiv_id = parse_arxiv_id(paper_id).id
    except InvalidArxivId as exc:
        raise _Bad(f"paper.id is {exc}") from None
    title = clean(_opt_str(paper, "title", "paper.title")) or clean(
        _opt_str(item, "title", "title")
    )
    if not title:
        raise _Bad("no title")
    abstract = _opt_str(paper, "summary", "paper.summary") or _opt_str(item, "summary", "summary")
    upvotes = paper.get("upvotes")
    if upvotes is not None and (not isinstance(upvotes, int) or isinstance(upvotes, bool)):
        raise _Bad(f"paper.upvotes is not an integer: {upvotes!r:.60}")
    published = _timestamp(paper, "publishedAt", "paper.publishedAt")
    return PaperRecord(
        arxiv_id=arxiv_id,
        source=Source.HF_DAILY,
        where=where,
        title=title,
        abstract=clean(abstract),
        authors=_authors(paper.get("authors")),
        published=published,
        daily_date=day,
        submitted_by=_submitter(item, paper),
        submitted_at=_submitted_at(item, paper, published),
        upvotes=upvotes,
        organization=_organization(item, paper),
        links=_links(item, paper),
        fingerprint=fingerprint(_dump(item)),
    )


def _authors(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad("paper.authors is not a list")
    names = []
    for number, author in enumerate(value):
        # "hidden" authors are kept: the flag hides the claimed profile, not the authorship.
        name = clean(author.get("name")) if isinstance(author, dict) else ""
        if not name:
            raise _Bad(f"paper.authors[{number}] has no name")
        names.append(name)
    return names


def _submitted_at(
    item: dict[str, Any], paper: dict[str, Any], published: dt.datetime | None
) -> dt.datetime | None:
    on_daily = _timestamp(paper, "submittedOnDailyAt", "paper.submittedOnDailyAt")
    if on_daily is not None:
        return on_daily
    listed = _timestamp(item, "publishedAt", "publishedAt")
    # Before 2025-03-11 the top-level publishedAt is when the paper was put on the list;
    # after, it is the arXiv time shifted to US Eastern, which always falls before
    # paper.publishedAt. A paper cannot be listed before arXiv published it, so that
    # ordering tells the two meanings apart.
    if listed is None or published is None or listed < published:
        return None
    return listed


def _submitter(item: dict[str, Any], paper: dict[str, Any]) -> str:
    by = paper.get("submittedOnDailyBy")
    if isinstance(by, dict):
        name = clean(by.get("name")) or clean(by.get("user"))
        if name:
            return name
    elif by is not None:
        raise _Bad("paper.submittedOnDailyBy is not an object")
    by = item.get("submittedBy")
    if isinstance(by, dict):
        return clean(by.get("name"))
    if by is not None:
        raise _Bad("submittedBy is not an object")
    return ""


def _organization(item: dict[str, Any], paper: dict[str, Any]) -> str:
    for holder, key, label in (
        (item, "organization", "organization"),
        (paper, "organization", "paper.organization"),
        # The name of "organization" for its first four days (2025-09-29 ... 10-02).
        (item, "submitterOrganization", "submitterOrganization"),
    ):
        org = holder.get(key)
        if org is None:
            continue
        if not isinstance(org, dict):
            raise _Bad(f"{label} is not an object")
        name = clean(org.get("name"))
        if name:
            return name
    return ""


def _links(item: dict[str, Any], paper: dict[str, Any]) -> list[Link]:
    # The same rule as links found in abstracts, so a repository stated here and named in the
    # abstract is one link (".../repo/" and ".../repo/tree/main" are ".../repo").
    stated = (
        _http_url(_opt_str(paper, "githubRepo", "paper.githubRepo")),
        _http_url(_opt_str(item, "projectPage", "projectPage"))
        or _http_url(_opt_str(paper, "projectPage", "paper.projectPage")),
    )
    links: dict[str, Link] = {}
    for url in stated:
        link = classify(url) if url else None
        if link is not None:
            links.setdefault(link.url, link)
    return list(links.values())


# -- helpers -----------------------------------------------------------------------------------


def _opt_str(obj: dict[str, Any], key: str, label: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{label} is not a string but {_json_kind(value)}")
    return value


def _timestamp(obj: dict[str, Any], key: str, label: str) -> dt.datetime | None:
    value = _opt_str(obj, key, label)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{label} is not a timestamp: {value!r:.60}") from None
    # Every timestamp in the API ends in "Z"; a bare one is taken as UTC too.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _http_url(value: str) -> str:
    # Some project pages arrive with a leading space; anything not http(s) is not a link.
    url = value.strip()
    return url if url.lower().startswith(("http://", "https://")) and " " not in url else ""


def _from_python_repr(text: str) -> dict[str, Any]:
    """A dict written with Python's repr(), read back as literals only (never evaluated)."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise _Bad(f"a string that is not a Python literal: {_one_line(exc)}") from None
    if not isinstance(value, dict):
        raise _Bad(f"a string holding a Python {type(value).__name__}, not a dict")
    try:
        _dump(value)
    except TypeError as exc:  # orjson.JSONEncodeError: sets, bytes, non-string keys
        raise _Bad(f"a Python repr() holding values JSON cannot: {exc}") from None
    return value


def _date(value: object) -> dt.date:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value)
    raise _Bad(f"daily_date is not a YYYY-MM-DD date: {value!r:.60}")


def _dump(item: dict[str, Any]) -> bytes:
    return orjson.dumps(item, option=orjson.OPT_SORT_KEYS)


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _day_from_name(name: str) -> dt.date | None:
    match = _DAY_RE.search(name)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _repr_note(name: str, count: int, recovered: int, unit: str = "items") -> str:
    note = f"{name}: {count} {unit} were Python repr() strings, not JSON objects; "
    if recovered == count:
        return note + "recovered"
    return note + f"recovered {recovered}, rejected {count - recovered}"


def _json_kind(value: object) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    for kind, text in kinds.items():
        if type(value) is kind:
            return text
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
