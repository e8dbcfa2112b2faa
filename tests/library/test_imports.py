"""Importing a library: BibTeX, RIS, Zotero CSV and paperwire JSON, matched to the catalogue by
arXiv id, DOI, then title; what cannot be used is listed by line, key and reason."""

from __future__ import annotations

import functools
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from paperwire.ingest import single
from paperwire.library import (
    Entry,
    LibraryError,
    detect_format,
    import_library,
    save,
    title_key,
)
from paperwire.sources.http import PoliteClient
from tests.conftest import shared
from tests.factories import paper
from tests.library.conftest import DATA
from tests.replay import ReplayServer, Reply

pytestmark = pytest.mark.django_db


def library_of(user: User) -> dict[str, tuple[str, str, list[str]]]:
    """arXiv id -> (collection, note, tags) for every entry of ``user``'s."""
    return {
        e.paper.arxiv_id: (e.collection.name, e.note, e.tags)
        for e in Entry.objects.filter(collection__owner=user).select_related("paper", "collection")
    }


def test_a_bibtex_file_with_a_broken_entry_in_the_middle_imports_the_rest(
    alice: User, catalogue: dict[str, Paper]
):
    report = import_library(alice, (DATA / "broken.bib").read_bytes(), filename="my.bib")
    assert report.format == "bibtex"
    assert (report.total, report.added) == (5, 3)
    assert library_of(alice) == {
        "1706.03762": ("Saved", "Read for the reading group", ["transformers", "attention"]),
        "2402.00002": ("Saved", "Section 3 is the key", []),
        "1901.00003": ("Saved", "", []),  # by its DOI: the catalogue's title is another
    }
    assert [str(u) for u in report.unmatched] == [
        "line 13: broken2020: malformed entry (Unexpected block start: `@misc`. Was still "
        "looking for field-value closing `,` or `}`)",
        "line 36: knuth1984: no identifier matched: no catalogue paper has its DOI or title",
    ]
    assert report.line() == 'imported 3 of 5 entries into "Saved"; 2 not matched:'


def test_a_zotero_csv_export_is_read_with_its_columns(alice: User, catalogue: dict[str, Paper]):
    report = import_library(alice, (DATA / "zotero.csv").read_bytes(), filename="Exported.csv")
    assert report.format == "csv"
    mine = library_of(alice)
    # Zotero's notes are HTML: read as text, paragraphs kept; "Manual Tags" are the tags
    # (never the automatic ones arXiv's categories make).
    assert mine["1706.03762"] == (
        "Saved",
        "Read for the reading group\nSecond paragraph & more",
        ["transformers", "to read"],
    )
    assert mine["1901.00003"] == ("Saved", "", [])  # DOI in upper case
    assert mine["2402.00002"] == ("Saved", "", [])  # a versioned arXiv URL
    assert [(u.where, u.key) for u in report.unmatched] == [("line 6", "Z9Y8X7W6")]


def test_a_zotero_ris_export_is_read_record_by_record(alice: User, catalogue: dict[str, Paper]):
    report = import_library(alice, (DATA / "zotero.ris").read_bytes(), filename="Exported.ris")
    mine = library_of(alice)
    assert mine["1706.03762"] == (
        "Saved",
        "Read for the reading group",  # the "arXiv:1706.03762 [cs]" note is an id, not a note
        ["Computer Science - Machine Learning", "transformers"],
    )
    assert mine["1901.00003"][0] == "Saved"
    assert mine["2402.00002"][1] == "Section 3 is the key"
    assert [str(u) for u in report.unmatched] == [
        "line 32: An entry that a hand edit cut short: malformed entry (no ER line ends it)",
        "line 37: The TeXbook: no identifier matched: no catalogue paper has its DOI or title",
    ]


def test_an_arxiv_id_beats_a_doi_which_beats_a_title(alice: User):
    by_id = paper("2401.00001", "First")
    by_doi = paper("2401.00002", "Second", doi="10.1000/second")
    by_title = paper("2401.00003", "Third")
    bib = """
@misc{all, eprint={2401.00001}, doi={10.1000/SECOND}, title={Third}}
@misc{doi_and_title, doi={10.1000/second}, title={Third}}
@misc{title_only, title={{T}hird}}
"""
    import_library(alice, bib, filename="x.bib", collection="Order")
    entries = Entry.objects.filter(collection__owner=alice)
    assert {e.paper for e in entries} == {by_id, by_doi, by_title}
    assert entries.count() == 3


@pytest.mark.parametrize(
    "field",
    [
        "eprint = {2401.01234v7}",
        "arxivid = {2401.01234}",
        "url = {https://arxiv.org/pdf/2401.01234v2.pdf}",
        "doi = {10.48550/arXiv.2401.01234}",
        "journal = {arXiv preprint arXiv:2401.01234}",
        "note = {arXiv: 2401.01234v1}",
        "journal = {CoRR}, volume = {abs/2401.01234}",
    ],
)
def test_every_place_an_entry_states_its_arxiv_id_is_read(alice: User, field: str):
    wanted = paper("2401.01234", "Something else entirely")
    report = import_library(alice, f"@article{{k, title={{X}}, {field}}}", fetch_missing=False)
    assert report.added == 1
    assert Entry.objects.get(collection__owner=alice).paper == wanted


def test_old_style_ids_are_matched_with_or_without_subject_class(alice: User):
    old = paper("math/0309136", "An old paper")
    hep = paper("hep-th/9901001", "Another")
    bib = (
        "@misc{a, eprint={math.GT/0309136v2}}\n@misc{b, url={http://arxiv.org/abs/hep-th/9901001}}"
    )
    assert import_library(alice, bib, filename="old.bib", fetch_missing=False).added == 2
    assert {e.paper for e in Entry.objects.filter(collection__owner=alice)} == {old, hep}


def test_a_title_matches_across_case_accents_latex_and_protecting_braces(alice: User):
    target = paper("2401.00009", "Graph Networks for Müller's $\\alpha$-Problem")
    bib = "@misc{k, title = {{G}RAPH networks for {M}{\\\"u}ller's {$\\alpha$}-problem}}"
    report = import_library(alice, bib, filename="t.bib")
    assert report.added == 1
    assert Entry.objects.get(collection__owner=alice).paper == target
    assert title_key("Müller's  $\\alpha$") == title_key("{M}{\\\"u}ller's {$\\alpha$}")


def test_a_title_that_names_two_papers_is_listed_not_guessed(alice: User):
    paper("2401.00011", "Deep learning")
    paper("2401.00012", "Deep Learning")
    report = import_library(alice, "@misc{k, title={Deep learning}}", filename="t.bib")
    assert report.added == 0
    assert report.unmatched[0].reason == "the title matches 2 papers (2401.00011, 2401.00012)"


def test_an_arxiv_id_not_in_the_catalogue_is_fetched_from_arxiv(alice: User, arxiv: ReplayServer):
    body = shared("arxiv-api/api-2026/id_list-1605.08386_start0-max100.xml").read_bytes()
    arxiv.route("/api/query", Reply(body=body), id_list="1605.08386")
    bib = (
        "@misc{k, eprint={1605.08386v1}, note={Fetched}}\n@misc{k2, url={arxiv.org/abs/1605.08386}}"
    )
    report = import_library(alice, bib, filename="f.bib")
    assert (report.added, report.already, report.fetched) == (1, 1, 1)
    assert library_of(alice) == {"1605.08386": ("Saved", "Fetched", [])}
    assert len(arxiv.requests) == 1  # one id, asked once
    assert report.line() == (
        'imported 2 of 2 entries into "Saved" (1 fetched from arXiv); 1 were there already'
    )


def test_an_id_arxiv_does_not_know_is_listed_as_not_in_arxiv(alice: User, arxiv: ReplayServer):
    body = shared("arxiv-api/api-2026/id_list-0808.05394_start0-max100.xml").read_bytes()
    arxiv.route("/api/query", Reply(body=body))
    report = import_library(alice, "@misc{ghost, eprint={0808.05394}}", filename="g.bib")
    assert [str(u) for u in report.unmatched] == [
        "line 1: ghost: not in arXiv: arXiv has no paper 0808.05394"
    ]


def test_fetching_can_be_turned_off(alice: User, arxiv: ReplayServer):
    report = import_library(alice, "@misc{k, eprint={1605.08386}}", fetch_missing=False)
    assert report.unmatched[0].reason == "1605.08386 is not in the catalogue"
    assert arxiv.requests == []


def test_an_unreachable_arxiv_lists_the_entries_and_loses_nothing_else(
    alice: User, settings: Settings, monkeypatch: pytest.MonkeyPatch, catalogue: dict[str, Paper]
):
    monkeypatch.setattr(
        single, "PoliteClient", functools.partial(PoliteClient, sleep=lambda seconds: None)
    )
    settings.ARXIV_API_URL = "http://127.0.0.1:9/api/query"  # nothing listens on port 9
    settings.ARXIV_REQUEST_INTERVAL = 0
    bib = """@misc{a, eprint={2501.09991}}
@misc{b, eprint={2501.09992}}
@misc{known, eprint={1706.03762}, note={kept}}
@misc{c, eprint={2501.09993}, doi={10.1103/PhysRevD.99.123456}}
"""
    report = import_library(alice, bib, filename="n.bib")
    assert library_of(alice) == {
        "1706.03762": ("Saved", "kept", []),
        "1901.00003": ("Saved", "", []),  # arXiv could not say; the DOI could
    }
    reasons = [u.reason for u in report.unmatched]
    assert [u.key for u in report.unmatched] == ["a", "b"]
    assert reasons[0].startswith("2501.09991 is not in the catalogue, and arXiv could not be asked")
    assert reasons[1].startswith("2501.09992 is not in the catalogue, and arXiv could not be asked")


def test_importing_the_same_file_again_adds_nothing_twice(alice: User, catalogue: dict[str, Paper]):
    data = (DATA / "broken.bib").read_bytes()
    first = import_library(alice, data, filename="my.bib")
    before = library_of(alice)
    again = import_library(alice, data, filename="my.bib")
    assert library_of(alice) == before
    assert Entry.objects.filter(collection__owner=alice).count() == first.added == 3
    assert (again.added, again.already) == (0, 3)


def test_a_reimport_fills_an_empty_note_and_adds_tags_but_never_overwrites_a_note(
    alice: User, catalogue: dict[str, Paper]
):
    save(alice, catalogue["attention"], note="my own words", tags=["mine"])
    save(alice, catalogue["graphs"], tags=["Attention"])
    import_library(alice, (DATA / "broken.bib").read_bytes(), filename="my.bib")
    mine = library_of(alice)
    assert mine["1706.03762"] == ("Saved", "my own words", ["mine", "transformers", "attention"])
    assert mine["2402.00002"] == ("Saved", "Section 3 is the key", ["Attention"])


def test_entries_go_into_the_named_collection_made_if_needed(
    alice: User, catalogue: dict[str, Paper]
):
    report = import_library(
        alice, (DATA / "zotero.ris").read_bytes(), filename="z.ris", collection="Reading group"
    )
    assert {c for c, _, _ in library_of(alice).values()} == {"Reading group"}
    assert report.line().startswith('imported 3 of 5 entries into "Reading group"; 2 not matched')


def test_more_tags_than_a_paper_may_have_keeps_the_first_and_says_so(alice: User):
    paper("2401.00001")
    keywords = ", ".join(f"tag{n}" for n in range(30))
    report = import_library(alice, f"@misc{{k, eprint={{2401.00001}}, keywords={{{keywords}}}}}")
    assert library_of(alice)["2401.00001"][2] == [f"tag{n}" for n in range(20)]
    assert report.warnings == ["line 1: 30 tags, the first 20 kept"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n\x00\x01binary", "the file is binary, not BibTeX, RIS, CSV or JSON text"),
        (b"Dear colleague,\nplease find my papers attached.\n", "notes.txt is not BibTeX, RIS, "
         "a Zotero CSV export or paperwire's JSON export"),
        (b"", "notes.txt is not BibTeX, RIS, a Zotero CSV export or paperwire's JSON export"),
    ],
)  # fmt: skip
def test_a_file_in_no_known_format_is_refused_in_one_line(alice: User, data: bytes, message: str):
    with pytest.raises(LibraryError) as refused:
        import_library(alice, data, filename="notes.txt")
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)


def test_a_file_named_bib_with_no_entries_is_refused(alice: User):
    with pytest.raises(LibraryError, match=r"^empty\.bib holds no BibTeX entries$"):
        import_library(alice, b"% nothing here yet\n", filename="empty.bib")


def test_a_csv_without_zoteros_columns_is_refused(alice: User):
    with pytest.raises(LibraryError, match="none of Zotero's columns"):
        import_library(alice, b"name,age\nada,36\n", filename="people.csv")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("\n\n@Article{k,\n title={x}}", "bibtex"),
        ("TY  - JOUR\nTI  - x\nER  - \n", "ris"),
        ('[{"arxiv_id": "2401.00001"}]', "json"),
        ('"Key","Item Type","Title"\n"A","preprint","x"\n', "csv"),
    ],
)
def test_the_format_is_read_from_the_content_when_the_name_does_not_say(text: str, kind: str):
    assert detect_format(text, "download") == kind
    assert detect_format(text, None) == kind


def test_latin1_bibtex_from_an_old_tool_is_read(alice: User):
    wanted = paper("2401.00001", "Über Graphen")
    report = import_library(alice, "@misc{k, title={Über Graphen}}".encode("latin-1"))
    assert report.added == 1
    assert Entry.objects.get(collection__owner=alice).paper == wanted


def test_thousands_of_entries_are_matched_in_a_few_queries(alice: User):
    n = 1200
    Paper.objects.bulk_create(
        [Paper(arxiv_id=f"2402.{i:05d}", title=f"Bulk paper {i}") for i in range(n)]
    )
    bib = "\n".join(
        f"@misc{{k{i}, eprint={{2402.{i:05d}}}, keywords={{bulk}}, note={{n{i}}}}}"
        for i in range(n)
    )
    lookups: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if 'FROM "catalogue_paper"' in sql:
            lookups.append(sql)
        return execute(sql, params, many, context)

    seen: list[tuple[int, int]] = []
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        report = import_library(
            alice, bib, filename="big.bib", progress=lambda d, t: seen.append((d, t))
        )
    elapsed = time.perf_counter() - started
    assert report.added == n
    assert seen[-1] == (n, n)
    assert len(lookups) <= n // 500 + 1  # by the chunk of ids, not by the entry
    print(f"\nimport of {n:,} BibTeX entries: {elapsed:.2f} s")


def test_a_collection_name_the_library_refuses_stops_the_import_before_it_starts(alice: User):
    paper("2401.00001")
    with pytest.raises(LibraryError, match=r"^a collection name has at most 100 char") as refused:
        import_library(alice, "@misc{k, eprint={2401.00001}}", collection="x" * 101)
    assert "\n" not in str(refused.value)
    assert not Entry.objects.filter(collection__owner=alice).exists()
