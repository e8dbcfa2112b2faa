"""A library brought in from another tool: BibTeX, RIS, a Zotero CSV export, or paperwire's
own JSON export.

Each entry is matched to a catalogue paper by its arXiv id (from any field that states one:
eprint, arxivid, a URL, a 10.48550 DOI, "arXiv preprint arXiv:…", a note; versions dropped,
old-style ids too), else by its DOI (case-insensitive), else by its exact title (normalised,
see ``title_key``). An arXiv id the catalogue lacks is fetched from arXiv through the
single-paper source. Matched entries are saved through ``core.save`` with the entry's note and
tags; the rest are listed with where they start in the file, their key and the reason.
Importing the same file again adds nothing twice and never overwrites a note the reader has.

The parsing is bibtexparser's, rispy's and the csv module's; this module only finds where an
entry starts (for the report) and what it names.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, TypeVar

import rispy
from bibtexparser.entrypoint import parse_string
from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock
from bibtexparser.model import Entry as BibEntry
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.html import strip_tags

from paperwire.catalogue.mathtext import readable
from paperwire.catalogue.models import Paper
from paperwire.library.core import (
    MAX_NOTE,
    MAX_TAGS,
    LibraryError,
    clean_tags,
    collection_named,
    save,
)
from paperwire.library.models import Collection, Entry
from paperwire.library.signals import one_touch
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_arxiv_id

IMPORT_FORMATS = ("bibtex", "ris", "csv", "json")
_EXTENSIONS = {
    ".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".csv": "csv", ".json": "json",
}  # fmt: skip
# Rows per query: under SQLite's smallest variable limit with room for the other parameters.
CHUNK = 500
SAVES_PER_TRANSACTION = 200

_T = TypeVar("_T")
Progress = Callable[[int, int], None]  # (entries done, entries in all)


@dataclass(frozen=True)
class Unmatched:
    where: str  # "line 12" (BibTeX, RIS, CSV) or "item 3" (JSON)
    key: str  # the entry's key in the file, or its title when it has none
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.key or '(no key)'}: {self.reason}"


@dataclass
class ImportReport:
    format: str
    total: int = 0  # entries read from the file
    added: int = 0  # new in the library
    already: int = 0  # in the collection before (note filled or tags added at most)
    fetched: int = 0  # papers new to the catalogue, fetched from arXiv
    collections: list[str] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.added + self.already

    def line(self) -> str:
        into = ", ".join(f'"{name}"' for name in self.collections) or '"Saved"'
        text = f"imported {self.imported:,} of {self.total:,} entries into {into}"
        if self.fetched:
            text += f" ({self.fetched:,} fetched from arXiv)"
        if self.already:
            text += f"; {self.already:,} were there already"
        if self.unmatched:
            text += f"; {len(self.unmatched):,} not matched:"
        return text


@dataclass
class _Record:
    """One entry as the file states it."""

    where: str
    key: str
    arxiv_id: str | None = None
    doi: str = ""
    title: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    collection: str | None = None  # named in the file (paperwire's CSV and JSON exports)
    problem: str = ""  # why the entry could not be read at all
    paper: Paper | None = None
    why_not: str = ""  # why no paper matched, when more than "nothing matched"


def import_library(
    user: Any,
    data: bytes | str,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    collection: str | None = None,
    fetch_missing: bool = True,
    progress: Progress | None = None,
) -> ImportReport:
    """Read ``data`` (a BibTeX, RIS, Zotero CSV or paperwire JSON file) into ``user``'s
    library: into ``collection`` when named, else the collection each entry names in the file
    (paperwire's own exports), else "Saved". Raises ``LibraryError`` (one line) for a file
    that is none of these formats; every entry it cannot use is in the report instead."""
    text = _decode(data)
    kind = fmt or detect_format(text, filename)
    if kind not in IMPORT_FORMATS:
        raise LibraryError(f"unknown import format {kind!r}: one of {', '.join(IMPORT_FORMATS)}")
    records = _READERS[kind](text)
    if not records:
        name = f"{filename} " if filename else ""
        raise LibraryError(f"{name}holds no {_LABELS[kind]} entries")
    if collection is not None:
        # A collection the reader named must be usable before any entry is matched or
        # fetched; a name in the file only falls back to "Saved" (see _save_all).
        collection = collection_named(user, collection, create=True).name
    report = ImportReport(kind, total=len(records))
    done = 0

    def advance(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, len(records))

    readable_records = [r for r in records if not r.problem]
    advance(len(records) - len(readable_records))
    _match_ids(readable_records)
    if fetch_missing:
        _fetch_missing(readable_records, report, advance)
    _match_dois(readable_records)
    _match_titles(readable_records)
    with one_touch(user):  # one change of the reader's signals, one retrain
        _save_all(user, readable_records, collection, report, advance)
    for record in records:
        if record.paper is None:
            reason = record.problem or record.why_not or _nothing_matched(record)
            report.unmatched.append(Unmatched(record.where, record.key, reason))
    return report


def detect_format(text: str, filename: str | None = None) -> str:
    """The format by the file's extension, else by its first lines; ``LibraryError`` if none."""
    if filename:
        kind = _EXTENSIONS.get(PurePath(filename).suffix.lower())
        if kind:
            return kind
    head = text.lstrip()[:4096]
    if re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", head, re.MULTILINE):
        return "bibtex"
    if re.search(r"^TY  - ", head, re.MULTILINE):
        return "ris"
    if head[:1] in ("[", "{"):
        return "json"
    first = head.splitlines()[0] if head else ""
    if "," in first and any(c in first for c in ('"Title"', "Title,", '"Key"', "arXiv ID")):
        return "csv"
    name = f"{filename} is" if filename else "the file is"
    raise LibraryError(f"{name} not BibTeX, RIS, a Zotero CSV export or paperwire's JSON export")


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if b"\x00" in data[:4096]:
        raise LibraryError("the file is binary, not BibTeX, RIS, CSV or JSON text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older reference managers write Latin-1; every byte is a character there.
        return data.decode("latin-1")


# --- identifiers ------------------------------------------------------------------------------

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7}"
_ID = rf"(?:{_NEW_ID}|{_OLD_ID})(?:v\d+)?"
# An arXiv id where text says it is one: arXiv:ID, arxiv.org/abs/ID, 10.48550/arXiv.ID, or a
# DBLP CoRR volume "abs/ID".
_ARXIV_IN_TEXT = re.compile(
    rf"(?:arxiv\s*[:.]?\s*(?:abs/)?|arxiv\.org/(?:abs|pdf|html)/|10\.48550/arxiv\.|^abs/)({_ID})",
    re.IGNORECASE,
)
_DOI = re.compile(r"\b(10\.\d{4,9}/\S+)", re.IGNORECASE)


def _arxiv_id(bare: Iterable[str], texts: Iterable[str]) -> str | None:
    """The first arXiv id among fields that hold nothing else (``bare``: eprint, arxivid),
    then among texts that say where one is (URLs, DOIs, journal, notes), version dropped."""
    for value in bare:
        try:
            return parse_arxiv_id(value.strip()).id
        except InvalidArxivId:
            continue
    for value in texts:
        for match in _ARXIV_IN_TEXT.finditer(value):
            try:
                return parse_arxiv_id(match.group(1)).id
            except InvalidArxivId:
                continue
    return None


def _doi(values: Iterable[str]) -> str:
    for value in values:
        match = _DOI.search(value.strip())
        if match and not match.group(1).lower().startswith("10.48550/"):
            return match.group(1).rstrip(".,;").lower()
    return ""


# Titles are compared as a reader would: LaTeX read (accents, maths, braces that only protect
# case), accents and case dropped, punctuation ignored. catalogue.keys has the same rule for
# names (name_key) but none for titles; this is the comparison until it has one.
_WORD = re.compile(r"\w+")
_MATH = re.compile(r"(\$[^$]*\$)")


def title_key(title: str) -> str:
    text = readable(title) if ("\\" in title or "$" in title) else title
    text = text.replace("{", "").replace("}", "")
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_WORD.findall(bare.casefold()))


def _title_variants(title: str) -> set[str]:
    """What the catalogue may store for ``title``, for an indexed-free but single-scan query:
    as given, without protecting braces, and LaTeX read."""
    plain = " ".join(title.split())
    variants = {plain, plain.replace("{", "").replace("}", "")}
    if "\\" in plain or "$" in plain:
        variants.add(" ".join(readable(plain).split()))
        # Accents read but maths kept, as arXiv's own titles have them ("Müller's $\\alpha$").
        parts = _MATH.split(plain.replace("{", "").replace("}", ""))
        variants.add("".join(p if i % 2 else _accents(p) for i, p in enumerate(parts)))
    return {v for v in variants if v}


def _accents(text: str) -> str:
    # readable() trims the text; the spaces around a piece of maths are part of the title.
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return lead + readable(text, True) + trail if text.strip() else text


# --- readers ----------------------------------------------------------------------------------


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    # bibtexparser logs every block it cannot read; the report lists them, once.
    logger, muffle = logging.getLogger(name), _Quiet()
    logger.addFilter(muffle)
    try:
        yield
    finally:
        logger.removeFilter(muffle)


def _read_bibtex(text: str) -> list[_Record]:
    with _quiet("bibtexparser.splitter"):
        library = parse_string(text)
    records = []
    for block in library.blocks:
        where = f"line {(block.start_line or 0) + 1}"
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, BibEntry
        ):
            block = block.ignore_error_block  # a key used twice: still an entry to import
        if isinstance(block, BibEntry):
            records.append(_bibtex_record(where, block))
        elif isinstance(block, ParsingFailedBlock):
            raw = block.raw or ""
            key = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()]*)", raw)
            error = block.error
            said = getattr(error, "abort_reason", None) or getattr(error, "message", None)
            reason = " ".join(str(said or error or "").split())
            records.append(
                _Record(
                    where,
                    key.group(1) if key else "",
                    problem=f"malformed entry ({reason.rstrip('. ')})"
                    if reason
                    else "malformed entry",
                )
            )
    return records


def _bibtex_record(where: str, entry: BibEntry) -> _Record:
    fields = {f.key.lower(): str(f.value) for f in entry.fields}
    bare = [fields[k] for k in ("eprint", "arxivid", "arxiv", "arxiv_id") if k in fields]
    if fields.get("archiveprefix", "arxiv").lower() != "arxiv" and "eprint" in fields:
        bare = [v for v in bare if v != fields["eprint"]]
    texts = [
        fields.get(k, "")
        for k in ("url", "doi", "journal", "volume", "howpublished", "note", "annote")
    ]
    arxiv_id = _arxiv_id(bare, texts)
    note_parts = [fields.get("note", ""), fields.get("annote", ""), fields.get("annotation", "")]
    note = "\n\n".join(p for p in (_own_note(n) for n in note_parts) if p)
    return _Record(
        where,
        entry.key,
        arxiv_id=arxiv_id,
        doi=_doi([fields.get("doi", ""), fields.get("url", "")]),
        title=fields.get("title", ""),
        note=note.replace("{@}", "@"),
        tags=_split_tags(fields.get("keywords", ""), ",;"),
    )


_TI = ("TI  -", "T1  -")


def _read_ris(text: str) -> list[_Record]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("TY  -")]
    records = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        where = f"line {start + 1}"
        parsed = rispy.loads("\n".join(lines[start:end]), skip_unknown_tags=True)
        if not parsed:
            title = next((line[6:].strip() for line in lines[start:end] if line[:5] in _TI), "")
            records.append(
                _Record(where, title[:60], problem="malformed entry (no ER line ends it)")
            )
            continue
        records.append(_ris_record(where, parsed[0]))
    return records


def _ris_record(where: str, item: dict[str, Any]) -> _Record:
    def values(*names: str) -> list[str]:
        out: list[str] = []
        for name in names:
            value = item.get(name)
            if isinstance(value, list):
                out.extend(str(v) for v in value)
            elif value:
                out.append(str(value))
        return out

    notes = values("notes")
    texts = [*values("custom1", "urls", "doi", "journal_name", "number", "note"), *notes]
    title = next(iter(values("title", "primary_title", "translated_title")), "")
    # Zotero writes a preprint's "Extra" (arXiv:ID [cs]) as a note of its own: an id, not a
    # reader's note.
    own = [n for n in notes if not re.fullmatch(rf"\s*arxiv:\s*{_ID}(\s*\[[^\]]*\])?\s*", n, re.I)]
    return _Record(
        where,
        next(iter(values("id")), "") or title[:60],
        arxiv_id=_arxiv_id([], texts),
        doi=_doi(values("doi", "urls")),
        title=title,
        note=_html_note("\n".join(own).strip()),
        tags=[t for kw in values("keywords") for t in _split_tags(kw, ";")],
    )


def _read_csv(text: str) -> list[_Record]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = set(reader.fieldnames or [])
    if not columns & {"Title", "DOI", "Url", "arXiv ID", "Extra"}:
        raise LibraryError(
            "the CSV file has none of Zotero's columns Title, DOI, Url or Extra in its header"
        )
    records = []
    start = reader.line_num + 1
    for row in reader:
        where = f"line {start}"
        start = reader.line_num + 1
        cells = {k: _uncell(v) for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
        if None in row:  # more cells than the header has columns
            records.append(_Record(where, cells.get("Key", ""), problem="malformed row"))
            continue
        title = cells.get("Title", "")
        records.append(
            _Record(
                where,
                cells.get("Key", "") or title[:60],
                arxiv_id=_arxiv_id(
                    [cells.get("arXiv ID", "")],
                    [cells.get(k, "") for k in ("Archive ID", "Url", "DOI", "Extra")]
                    + [cells.get("Publication Title", ""), cells.get("Number", "")],
                ),
                doi=_doi([cells.get("DOI", "")]),
                title=title,
                note=_html_note(cells.get("Notes", "")),
                tags=_split_tags(cells.get("Manual Tags", ""), ";"),
                collection=cells.get("Collection") or None,
            )
        )
    return records


def _read_json(text: str) -> list[_Record]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryError(
            f"the JSON file cannot be read: {exc.msg} at line {exc.lineno}"
        ) from None
    if not isinstance(items, list):
        raise LibraryError("the JSON file is not a list of papers (paperwire's export)")
    records = []
    for n, item in enumerate(items, 1):
        where = f"item {n}"
        if not isinstance(item, dict):
            records.append(_Record(where, "", problem="malformed entry (not an object)"))
            continue

        def text_of(name: str, item: dict[str, Any] = item) -> str:
            value = item.get(name)
            return value if isinstance(value, str) else ""

        tags = item.get("tags")
        title = text_of("title")
        records.append(
            _Record(
                where,
                text_of("arxiv_id") or title[:60],
                arxiv_id=_arxiv_id([text_of("arxiv_id")], [text_of("url"), text_of("doi")]),
                doi=_doi([text_of("doi")]),
                title=title,
                note=text_of("note"),
                tags=[str(t) for t in tags] if isinstance(tags, list) else [],
                collection=text_of("collection") or None,
            )
        )
    return records


_READERS: dict[str, Callable[[str], list[_Record]]] = {
    "bibtex": _read_bibtex,
    "ris": _read_ris,
    "csv": _read_csv,
    "json": _read_json,
}
_LABELS = {"bibtex": "BibTeX", "ris": "RIS", "csv": "CSV", "json": "JSON"}


def _split_tags(value: str, separators: str) -> list[str]:
    return [t.strip() for t in re.split(f"[{re.escape(separators)}]", value) if t.strip()]


def _own_note(value: str) -> str:
    """A BibTeX note that only says where the paper is (arXiv:…, "Preprint") is no note."""
    rest = _ARXIV_IN_TEXT.sub("", value)
    if not re.sub(r"[\W_]|preprint|e-?print|arxiv", "", rest, flags=re.IGNORECASE):
        return ""
    return value.strip()


def _html_note(value: str) -> str:
    # Zotero's notes are HTML; a note typed as text stays exactly as it is.
    if re.match(r"\s*<(p|div|h\d|ul|ol|blockquote|pre)\b", value, re.IGNORECASE):
        value = html.unescape(strip_tags(re.sub(r"(?i)</(p|div|h\d|li)>|<br\s*/?>", "\n", value)))
        return "\n".join(line.strip() for line in value.splitlines() if line.strip())
    return value


def _uncell(value: str) -> str:
    # paperwire's CSV export quotes cells that would start a formula (see exports._cell).
    return (
        value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r") else value
    )


# --- matching ---------------------------------------------------------------------------------


def _chunks(items: list[_T]) -> Iterator[list[_T]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _match_ids(records: list[_Record]) -> None:
    wanted = sorted({r.arxiv_id for r in records if r.arxiv_id})
    found: dict[str, Paper] = {}
    for chunk in _chunks(wanted):
        found.update((p.arxiv_id, p) for p in Paper.objects.filter(arxiv_id__in=chunk))
    for record in records:
        if record.arxiv_id:
            record.paper = found.get(record.arxiv_id)


def _fetch_missing(
    records: list[_Record], report: ImportReport, advance: Callable[[int], None]
) -> None:
    from paperwire.ingest.single import FetchFailed, fetch_and_ingest

    missing: dict[str, list[_Record]] = {}
    for record in records:
        if record.paper is None and record.arxiv_id:
            missing.setdefault(record.arxiv_id, []).append(record)
    unreachable = ""
    last_request = 0.0
    for arxiv_id, waiting in missing.items():
        if unreachable:
            for record in waiting:
                record.why_not = f"{arxiv_id} is not in the catalogue, and {unreachable}"
            continue
        # fetch_and_ingest opens a client per paper, so the pause arXiv asks for between
        # requests is kept here.
        pause = settings.ARXIV_REQUEST_INTERVAL - (time.monotonic() - last_request)
        if last_request and pause > 0:
            time.sleep(pause)
        last_request = time.monotonic()
        try:
            fetched = fetch_and_ingest(arxiv_id)
        except FetchFailed as exc:
            message = str(exc)
            if message.startswith("arXiv could not be asked"):
                # The network or arXiv is down: asking again for each id would only wait.
                unreachable = f"arXiv could not be asked ({message.split(': ', 1)[-1]})"
                reason = f"{arxiv_id} is not in the catalogue, and {unreachable}"
            else:
                reason = f"not in arXiv: {message}"
            for record in waiting:
                record.why_not = reason
            continue
        report.fetched += 1
        for record in waiting:
            record.paper = fetched.paper


def _match_dois(records: list[_Record]) -> None:
    pending = [r for r in records if r.paper is None and r.doi]
    wanted = sorted({r.doi for r in pending})
    found: dict[str, list[Paper]] = {}
    for chunk in _chunks(wanted):
        query = Paper.objects.annotate(doi_lower=Lower("doi")).filter(doi_lower__in=chunk)
        for paper in query:
            found.setdefault(paper.doi.lower(), []).append(paper)
    for record in pending:
        _pick(record, found.get(record.doi, []), "DOI")


def _match_titles(records: list[_Record]) -> None:
    pending = [r for r in records if r.paper is None and title_key(r.title)]
    variants: set[str] = set()
    for record in pending:
        variants |= _title_variants(record.title)
    # No index holds normalised titles: each chunk is one scan of the catalogue, with exact
    # and lower-cased text; the normalised comparison below decides.
    found: dict[str, dict[int, Paper]] = {}
    for chunk in _chunks(sorted(variants)):
        lowered = [v.lower() for v in chunk]
        query = Paper.objects.annotate(title_lower=Lower("title")).filter(
            Q(title__in=chunk) | Q(title_lower__in=lowered)
        )
        for paper in query:
            found.setdefault(title_key(paper.title), {})[paper.pk] = paper
    for record in pending:
        _pick(record, list(found.get(title_key(record.title), {}).values()), "title")


def _pick(record: _Record, papers: list[Paper], by: str) -> None:
    if len(papers) == 1:
        record.paper = papers[0]
    elif len(papers) > 1:
        ids = ", ".join(sorted(p.arxiv_id for p in papers)[:3])
        record.why_not = record.why_not or f"the {by} matches {len(papers)} papers ({ids})"


def _nothing_matched(record: _Record) -> str:
    if not (record.arxiv_id or record.doi or title_key(record.title)):
        return "no arXiv id, DOI or title in the entry"
    if record.arxiv_id:
        return f"{record.arxiv_id} is not in the catalogue"
    return "no identifier matched: no catalogue paper has its DOI or title"


# --- saving -----------------------------------------------------------------------------------


def _save_all(
    user: Any,
    records: list[_Record],
    collection: str | None,
    report: ImportReport,
    advance: Callable[[int], None],
) -> None:
    targets: dict[str | None, Collection] = {}

    def target(name: str | None) -> Collection:
        name = collection or name
        if name not in targets:
            try:
                targets[name] = collection_named(user, name, create=True)
            except LibraryError as exc:
                report.warnings.append(f"collection {name!r}: {exc}; saved into the default")
                targets[name] = collection_named(user, None)
        return targets[name]

    matched = [r for r in records if r.paper is not None]
    advance(len(records) - len(matched))
    existing: dict[tuple[int, int], Entry] = {}
    for chunk in _chunks([r.paper.pk for r in matched if r.paper is not None]):
        for entry in Entry.objects.filter(collection__owner=user, paper_id__in=chunk):
            existing[(entry.collection_id, entry.paper_id)] = entry
    for i in range(0, len(matched), SAVES_PER_TRANSACTION):
        with transaction.atomic():
            for record in matched[i : i + SAVES_PER_TRANSACTION]:
                _save_one(user, record, target(record.collection), existing, report)
        advance(len(matched[i : i + SAVES_PER_TRANSACTION]))
    used = {c.pk: c.name for c in targets.values()}
    report.collections = sorted(used.values(), key=lambda n: (n != "Saved", n))


def _save_one(
    user: Any,
    record: _Record,
    into: Collection,
    existing: dict[tuple[int, int], Entry],
    report: ImportReport,
) -> None:
    paper = record.paper
    assert paper is not None
    note = record.note.strip()
    if len(note) > MAX_NOTE:
        report.warnings.append(f"{record.where}: note cut to {MAX_NOTE:,} characters")
        note = note[:MAX_NOTE]
    tags = _bounded_tags(record, report)
    before = existing.get((into.pk, paper.pk))
    if before is None:
        entry = save(user, paper, into, note=note, tags=tags)
        existing[(into.pk, paper.pk)] = entry
        report.added += 1
        return
    report.already += 1
    # Again: fill an empty note and add new tags, never overwrite what the reader wrote.
    new_note = before.note or note
    new_tags = _bounded_tags(_Record("", "", tags=[*before.tags, *tags]), report)
    if new_note != before.note or new_tags != before.tags:
        existing[(into.pk, paper.pk)] = save(user, paper, into, note=new_note, tags=new_tags)


def _bounded_tags(record: _Record, report: ImportReport) -> list[str]:
    try:
        return clean_tags(record.tags)
    except LibraryError:
        seen: dict[str, str] = {}
        for tag in record.tags:
            text = " ".join(tag.split())
            if text and text.casefold() not in seen:
                seen[text.casefold()] = text
        kept = clean_tags(list(seen.values())[:MAX_TAGS])
        if record.where:
            report.warnings.append(f"{record.where}: {len(seen)} tags, the first {MAX_TAGS} kept")
        return kept
