"""Exporting a library: BibTeX, RIS, CSV and JSON that other tools read and paperwire reads
back, with the reader's notes and tags, and hostile text kept as data."""

from __future__ import annotations

import csv
import io
import json

import pytest
import rispy
from bibtexparser.entrypoint import parse_string
from django.contrib.auth.models import User

from paperwire.catalogue.models import Paper
from paperwire.library import (
    FORMATS,
    Entry,
    LibraryError,
    cite_key,
    entries_of,
    export,
    import_library,
    mark,
    paper_bibtex,
    save,
)
from paperwire.web.bibtex import bibtex as page_bibtex
from tests.factories import paper

pytestmark = pytest.mark.django_db

HOSTILE_TITLE = 'On </title><script>alert(1)</script> {\\"o}ptimal & 50% x_1 of $x_1 & y$'
HOSTILE_NOTE = "line one\n@misc{evil, title={x}}\nER  - \nTY  - JOUR\n=cmd|' /C calc'!A0\x01\x1b"


@pytest.fixture
def library(alice: User, catalogue: dict[str, Paper]) -> dict[str, Paper]:
    save(alice, catalogue["attention"], note="Read for the reading group", tags=["transformers"])
    save(alice, catalogue["journal"], "Physics", note="Two loops", tags=["amplitudes", "to read"])
    save(alice, catalogue["graphs"], "Physics", note="", tags=[])
    mark(alice, catalogue["journal"], "read")
    return catalogue


def library_of(user: User) -> dict[tuple[str, str], tuple[str, list[str]]]:
    return {
        (e.collection.name, e.paper.arxiv_id): (e.note, e.tags)
        for e in Entry.objects.filter(collection__owner=user).select_related("paper", "collection")
    }


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csv", "json"])
def test_a_collection_exported_and_imported_into_another_account_is_the_same(
    alice: User, bob: User, library: dict[str, Paper], fmt: str
):
    text = export(entries_of(alice, "Physics"), fmt)
    report = import_library(bob, text, filename=f"physics.{FORMATS[fmt].extension}")
    assert report.unmatched == []
    assert report.fetched == 0
    theirs = {arxiv_id: kept for (_, arxiv_id), kept in library_of(bob).items()}
    assert theirs == {
        "1901.00003": ("Two loops", ["amplitudes", "to read"]),
        "2402.00002": ("", []),
    }


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_whole_library_comes_back_into_its_collections(
    alice: User, bob: User, library: dict[str, Paper], fmt: str
):
    import_library(bob, export(entries_of(alice), fmt), filename=f"all.{fmt}")
    assert library_of(bob) == library_of(alice)


def test_bibtex_entries_carry_what_arxiv_and_the_reader_say(alice: User, library: dict[str, Paper]):
    parsed = parse_string(export(entries_of(alice), "bibtex"))
    assert parsed.failed_blocks == []
    entries = {e.key: e for e in parsed.entries}
    attention = entries["vaswani2025attention"]
    assert attention.entry_type == "misc"
    assert {f.key: f.value for f in attention.fields} == {
        "title": "Attention Is All You Need",
        "author": "Ashish Vaswani and Noam Shazeer and Niki Parmar",
        "year": "2025",
        "month": "jan",
        "eprint": "1706.03762",
        "archivePrefix": "arXiv",
        "primaryClass": "cs.CL",
        "url": "https://arxiv.org/abs/1706.03762",
        "note": "Read for the reading group",
        "keywords": "transformers",
    }
    journal = entries["li2025scattering"]
    assert journal.entry_type == "article"
    assert journal.fields_dict["journal"].value == "Phys. Rev. D 99, 123456 (2019)"
    assert journal.fields_dict["doi"].value == "10.1103/PhysRevD.99.123456"
    assert journal.fields_dict["keywords"].value == "amplitudes, to read"


def test_keys_are_unique_in_a_file_and_stable_between_exports(alice: User):
    first = paper("2401.00002", "Deep graphs", authors=["Ada Lovelace"])
    second = paper("2401.00001", "Deep graphs again", authors=["Ada Lovelace"])
    save(alice, first)
    save(alice, second)
    save(alice, first, "Elsewhere")
    keys = [e.key for e in parse_string(export(entries_of(alice), "bibtex")).entries]
    assert sorted(keys) == ["lovelace2025deep", "lovelace2025deepa", "lovelace2025deepb"]
    # The same paper keeps its key however the export is ordered.
    alone = parse_string(export(entries_of(alice, "Saved").order_by("-added_at"), "bibtex"))
    assert {e.fields_dict["eprint"].value: e.key for e in alone.entries} == {
        "2401.00001": "lovelace2025deep",
        "2401.00002": "lovelace2025deepa",
    }


def test_latex_specials_in_titles_are_escaped_outside_maths_and_braces_balanced(alice: User):
    save(alice, paper("2401.00001", HOSTILE_TITLE + " } {"))
    entry = parse_string(export(entries_of(alice), "bibtex")).entries[0]
    assert entry.fields_dict["title"].value == (
        'On </title><script>alert(1)</script> {\\"o}ptimal \\& 50\\% x\\_1 of $x_1 & y$ {}'
    )


def test_hostile_notes_stay_data_in_every_format(alice: User, bob: User):
    hostile = paper("2401.00001", HOSTILE_TITLE)
    plain = paper("2401.00002", "Plain")
    save(alice, hostile, note=HOSTILE_NOTE, tags=["<b>bold</b>", "=1+1"])
    save(alice, plain, note="after")
    entries = entries_of(alice)

    bib = parse_string(export(entries, "bibtex"))
    assert bib.failed_blocks == []
    assert [e.fields_dict["eprint"].value for e in bib.entries] == ["2401.00001", "2401.00002"]

    ris = rispy.loads(export(entries, "ris"))
    assert [r["type_of_reference"] for r in ris] == ["PREP", "PREP"]
    assert ris[1]["notes"] == ["after"]

    rows = list(csv.DictReader(io.StringIO(export(entries, "csv"))))
    assert rows[0]["Notes"] == HOSTILE_NOTE  # a cell that does not start a formula
    assert rows[0]["Manual Tags"] == "<b>bold</b>; =1+1"
    assert rows[0]["Title"] == HOSTILE_TITLE

    items = json.loads(export(entries, "json"))
    assert items[0]["note"] == HOSTILE_NOTE
    assert items[0]["title"] == HOSTILE_TITLE

    # Read back: JSON and CSV keep every character; RIS and BibTeX drop control characters.
    for fmt in ("json", "csv", "ris", "bibtex"):
        Entry.objects.filter(collection__owner=bob).delete()
        import_library(bob, export(entries, fmt), filename=f"x.{FORMATS[fmt].extension}")
        notes = {a: n for (_, a), (n, _) in library_of(bob).items()}
        wanted = HOSTILE_NOTE if fmt in ("json", "csv") else HOSTILE_NOTE.rstrip("\x01\x1b")
        if fmt == "ris":  # a line-based format: no line keeps spaces at its ends
            wanted = "\n".join(line.strip() for line in wanted.split("\n"))
        assert notes == {"2401.00001": wanted, "2401.00002": "after"}, fmt


def test_csv_cells_that_would_run_as_formulas_are_quoted_and_read_back(alice: User, bob: User):
    save(alice, paper("2401.00001", '=HYPERLINK("http://evil")'), note="+1", tags=["-x", "@y"])
    row = next(csv.DictReader(io.StringIO(export(entries_of(alice), "csv"))))
    assert (row["Title"], row["Notes"], row["Manual Tags"]) == (
        '\'=HYPERLINK("http://evil")',
        "'+1",
        "'-x; @y",
    )
    import_library(bob, export(entries_of(alice), "csv"), filename="x.csv")
    assert library_of(bob) == {("Saved", "2401.00001"): ("+1", ["-x", "@y"])}


def test_json_lists_each_entry_with_its_collection_and_read_state(
    alice: User, library: dict[str, Paper]
):
    items = json.loads(export(entries_of(alice), "json"))
    by_id = {item["arxiv_id"]: item for item in items}
    assert set(by_id["1901.00003"]) == {
        "arxiv_id", "title", "authors", "categories", "abstract", "doi", "url", "collection",
        "note", "tags", "added_at", "read",
    }  # fmt: skip
    assert (by_id["1901.00003"]["read"], by_id["1706.03762"]["read"]) == (True, False)
    assert by_id["1901.00003"]["collection"] == "Physics"
    assert by_id["1706.03762"]["authors"] == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]


def test_csv_has_zoteros_columns(alice: User, library: dict[str, Paper]):
    rows = list(csv.DictReader(io.StringIO(export(entries_of(alice, "Saved"), "csv"))))
    assert rows[0]["Author"] == "Vaswani, Ashish; Shazeer, Noam; Parmar, Niki"
    assert rows[0]["Item Type"] == "preprint"
    for column in ("Key", "Publication Year", "Title", "DOI", "Url", "Abstract Note",
                   "Manual Tags", "Notes", "arXiv ID", "Collection", "Added"):  # fmt: skip
        assert column in rows[0]


def test_an_empty_collection_exports_an_empty_file_of_its_format(alice: User):
    assert export([], "json") == "[]\n"
    assert export([], "bibtex").strip() == ""
    assert export([], "ris") == ""
    assert export([], "csv").startswith("Key,Item Type")


def test_unknown_formats_and_collections_are_refused_in_one_line(alice: User):
    with pytest.raises(LibraryError, match=r"^unknown export format 'docx': one of bibtex, ris"):
        export([], "docx")
    with pytest.raises(LibraryError, match=r"^there is no collection named 'Nope'$"):
        entries_of(alice, "Nope")


def test_another_readers_entries_are_never_exported(alice: User, bob: User):
    save(bob, paper("2401.00001", "Bob's secret"), note="private")
    assert json.loads(export(entries_of(alice), "json")) == []


def test_the_paper_page_shows_the_same_entry_as_the_export(alice: User):
    p = paper("2401.00001", "A {unbalanced} title } here {", authors=["A. {Person"])
    assert page_bibtex(p) == paper_bibtex(p)
    assert paper_bibtex(p).startswith(f"@misc{{{cite_key(p)},\n  title = {{")
    assert parse_string(paper_bibtex(p)).failed_blocks == []


def test_each_format_has_a_content_type_and_an_extension():
    assert {name: (f.extension, f.content_type.split(";")[0]) for name, f in FORMATS.items()} == {
        "bibtex": ("bib", "application/x-bibtex"),
        "ris": ("ris", "application/x-research-info-systems"),
        "csv": ("csv", "text/csv"),
        "json": ("json", "application/json"),
    }
