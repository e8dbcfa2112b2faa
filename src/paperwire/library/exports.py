"""A reader's collections written out for other tools: BibTeX, RIS, CSV (Zotero's columns) and
JSON, and the one rule for a paper's BibTeX entry, which the paper page shows too.

Everything a reader typed (notes, tags, collection names) and every catalogue text is data in
these files: BibTeX values keep their braces balanced and LaTeX's special characters escaped,
RIS values never start a tag of their own, CSV cells never start a spreadsheet formula, and
JSON is JSON. ``paperwire.library.imports`` reads each of these back.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import rispy
from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.model import Entry as BibEntry
from bibtexparser.model import Field
from bibtexparser.writer import BibtexFormat
from django.db.models import QuerySet

from paperwire.catalogue.models import Paper
from paperwire.library.core import LibraryError, collection_named
from paperwire.library.models import Collection, Entry, Kind, Mark


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    extension: str


FORMATS: dict[str, Format] = {
    "bibtex": Format("bibtex", "application/x-bibtex; charset=utf-8", "bib"),
    "ris": Format("ris", "application/x-research-info-systems; charset=utf-8", "ris"),
    "csv": Format("csv", "text/csv; charset=utf-8", "csv"),
    "json": Format("json", "application/json; charset=utf-8", "json"),
}

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CSV_COLUMNS = [
    "Key", "Item Type", "Publication Year", "Author", "Title", "Publication Title", "DOI",
    "Url", "Abstract Note", "Date", "Date Added", "Extra", "Notes", "Manual Tags",
    "Archive ID", "arXiv ID", "Collection", "Added", "Read",
]  # fmt: skip


def entries_of(user: Any, collection: str | Collection | None = None) -> QuerySet[Entry]:
    """The reader's entries to export: one collection's (by name), or every collection's."""
    entries = Entry.objects.filter(collection__owner=user)
    if isinstance(collection, Collection):
        entries = entries.filter(collection=collection)
    elif collection is not None:
        entries = entries.filter(collection=collection_named(user, collection))
    return entries.select_related("paper", "collection").order_by("collection__name", "added_at")


def export(entries: Iterable[Entry], fmt: str) -> str:
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise LibraryError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    return writer(list(entries))


# --- BibTeX -----------------------------------------------------------------------------------


def cite_key(paper: Paper) -> str:
    """``surname`` + ``year`` + the title's first word of more than three letters, in ASCII."""
    first = paper.authors[0] if paper.authors else "anon"
    surname = first.split()[-1] if first.split() else "anon"
    ascii_name = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z]", "", ascii_name).lower() or "anon"
    year = _year(paper) or ""
    word = next((w.lower() for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3), "paper")
    return f"{name}{year}{word}"


def bibtex_fields(paper: Paper) -> tuple[str, list[tuple[str, str]]]:
    """A paper's entry type and fields, as arXiv's own export gives them (plus the journal
    reference when the paper has one). The one home of this rule: the paper page and every
    export use it."""
    fields = [
        ("title", latex_text(paper.title)),
        ("author", " and ".join(_braced(" ".join(a.split())) for a in paper.authors)),
        ("journal", latex_text(paper.journal_ref)),
        ("year", str(_year(paper) or "")),
        ("month", MONTHS[paper.published.month - 1] if paper.published else ""),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
        ("doi", paper.doi),
        ("url", paper.abs_url),
    ]
    kind = "article" if paper.journal_ref.strip() else "misc"
    return kind, [(name, value) for name, value in fields if value]


def paper_bibtex(paper: Paper) -> str:
    """One paper's BibTeX entry (the paper page's)."""
    return _write_bibtex([(cite_key(paper), paper, [])]).strip()


def to_bibtex(entries: Sequence[Entry]) -> str:
    rows = []
    for key, entry in zip(_unique_keys(entries), entries, strict=True):
        extra = [("note", _bibtex_note(entry.note)), ("keywords", ", ".join(entry.tags))]
        rows.append((key, entry.paper, [(k, _braced(_printable(v))) for k, v in extra if v]))
    return _write_bibtex(rows)


def _write_bibtex(rows: list[tuple[str, Paper, list[tuple[str, str]]]]) -> str:
    library = Library()
    for key, paper, extra in rows:
        kind, fields = bibtex_fields(paper)
        library.add(
            BibEntry(
                kind,
                key,
                [
                    # A month is BibTeX's macro (jan), not the text "jan".
                    Field(k, v, enclosing="no-enclosing" if k == "month" else None)
                    for k, v in [*fields, *extra]
                ],
            )
        )
    layout = BibtexFormat()  # type: ignore[no-untyped-call]
    layout.indent = "  "
    return str(write_string(library, bibtex_format=layout))


def _unique_keys(entries: Sequence[Entry]) -> list[str]:
    """Keys unique in the file and stable between exports: clashing keys take a, b, c, ...
    in arXiv-id order, whatever order the entries come in. The same paper in two collections
    has two entries, so the collection's position breaks the tie."""
    order = sorted(range(len(entries)), key=lambda i: (entries[i].paper.arxiv_id, i))
    taken: dict[str, int] = {}
    keys = [""] * len(entries)
    for i in order:
        base = cite_key(entries[i].paper)
        n = taken.get(base, 0)
        taken[base] = n + 1
        keys[i] = base if n == 0 else f"{base}{_suffix(n)}"
    return keys


def _suffix(n: int) -> str:
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


_MATH = re.compile(r"(\$\$.*?\$\$|\$.*?\$|\\\(.*?\\\)|\\\[.*?\\\])", re.DOTALL)
# &, % and # end a LaTeX document's sense outside maths (a table cell, a comment, a macro
# parameter), and _ is an error there; arXiv titles and journal references hold them raw.
_SPECIAL = re.compile(r"(?<!\\)([&%#_])")


def latex_text(text: str) -> str:
    """Catalogue text (which is LaTeX, as arXiv has it) safe inside a BibTeX value: one line,
    braces balanced, the characters LaTeX would read as syntax escaped outside maths."""
    parts = _MATH.split(_braced(_printable(text)))
    escaped = "".join(
        part if i % 2 else _SPECIAL.sub(r"\\\1", part) for i, part in enumerate(parts)
    )
    return " ".join(escaped.split())


def _bibtex_note(note: str) -> str:
    # bibtexparser reads an @ at the start of a line as a new entry, even inside a value: the
    # braces keep it an @ for LaTeX, and imports read "{@}" back as "@".
    return re.sub(r"(?m)^(\s*)@", r"\1{@}", note)


def _braced(text: str) -> str:
    """Unbalanced braces would swallow the rest of the file: keep balanced ones, drop the rest."""
    depth = 0
    kept = []
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    return "".join(kept) + "}" * depth


# --- RIS --------------------------------------------------------------------------------------

_RIS_TAG = re.compile(r"(?m)^(?=[A-Z][A-Z0-9]  -)")


def to_ris(entries: Sequence[Entry]) -> str:
    records = []
    for key, entry in zip(_unique_keys(entries), entries, strict=True):
        paper = entry.paper
        record: dict[str, Any] = {
            "type_of_reference": "JOUR" if paper.journal_ref.strip() else "PREP",
            "id": key,
            "title": _ris(paper.title),
            "authors": [_ris(a) for a in paper.authors],
            "year": str(_year(paper) or ""),
            "date": paper.published.strftime("%Y/%m/%d") if paper.published else "",
            "abstract": _ris(paper.abstract),
            "doi": paper.doi,
            "urls": [paper.abs_url],
            "publisher": "arXiv",
            "journal_name": _ris(paper.journal_ref),
            "keywords": [_ris(t) for t in entry.tags],
            "notes": [_ris(entry.note)] if entry.note.strip() else [],
            # Zotero's place for a preprint's id ("Archive ID"); imports read it back.
            "custom1": f"arXiv:{paper.arxiv_id}",
        }
        records.append({k: v for k, v in record.items() if v})
    return str(rispy.dumps(records)) if records else ""


def _ris(text: str) -> str:
    """A value on RIS lines: a line of it that would read as a tag ("ER  - ") is indented,
    and readers strip the space again."""
    text = _printable(text.replace("\r\n", "\n").replace("\r", "\n"))
    return _RIS_TAG.sub(" ", text)


# --- CSV --------------------------------------------------------------------------------------


def to_csv(entries: Sequence[Entry]) -> str:
    read = _read_papers(entries)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for key, entry in zip(_unique_keys(entries), entries, strict=True):
        paper = entry.paper
        row = {
            "Key": key,
            "Item Type": "journalArticle" if paper.journal_ref.strip() else "preprint",
            "Publication Year": str(_year(paper) or ""),
            "Author": "; ".join(_zotero_name(a) for a in paper.authors),
            "Title": paper.title,
            "Publication Title": paper.journal_ref,
            "DOI": paper.doi,
            "Url": paper.abs_url,
            "Abstract Note": paper.abstract,
            "Date": paper.published.date().isoformat() if paper.published else "",
            "Date Added": entry.added_at.strftime("%Y-%m-%d %H:%M:%S"),
            "Extra": f"arXiv:{paper.arxiv_id}",
            "Notes": entry.note,
            "Manual Tags": "; ".join(entry.tags),
            "Archive ID": f"arXiv:{paper.arxiv_id}",
            "arXiv ID": paper.arxiv_id,
            "Collection": entry.collection.name,
            "Added": entry.added_at.isoformat(),
            "Read": "yes" if (entry.collection.owner_id, paper.pk) in read else "",
        }
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _zotero_name(name: str) -> str:
    # Zotero writes "Last, First"; a one-word name stays as it is.
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


def _cell(value: str) -> str:
    # A cell that starts like a formula runs as one in a spreadsheet (OWASP "CSV injection");
    # the quote makes it text, and imports drop it again.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- JSON -------------------------------------------------------------------------------------


def to_json(entries: Sequence[Entry]) -> str:
    read = _read_papers(entries)
    items = [
        {
            "arxiv_id": entry.paper.arxiv_id,
            "title": entry.paper.title,
            "authors": entry.paper.authors,
            "categories": entry.paper.categories,
            "abstract": entry.paper.abstract,
            "doi": entry.paper.doi,
            "url": entry.paper.abs_url,
            "collection": entry.collection.name,
            "note": entry.note,
            "tags": entry.tags,
            "added_at": entry.added_at.isoformat(),
            "read": (entry.collection.owner_id, entry.paper.pk) in read,
        }
        for entry in entries
    ]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# --- shared -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(text: str) -> str:
    """Control characters dropped (tabs and line breaks kept): line-based formats and LaTeX
    would read them as structure; JSON and CSV keep them, as data."""
    return _CONTROL.sub("", text)


def _year(paper: Paper) -> int | None:
    if paper.published:
        return paper.published.year
    return paper.announced_on.year if paper.announced_on else None


def _read_papers(entries: Sequence[Entry]) -> set[tuple[int, int]]:
    """(owner, paper) pairs the owners marked read: one query for the whole export."""
    owners = {e.collection.owner_id for e in entries}
    papers = {e.paper_id for e in entries}
    if not entries:
        return set()
    return set(
        Mark.objects.filter(user_id__in=owners, paper_id__in=papers, kind=Kind.READ).values_list(
            "user_id", "paper_id"
        )
    )


_WRITERS = {"bibtex": to_bibtex, "ris": to_ris, "csv": to_csv, "json": to_json}
