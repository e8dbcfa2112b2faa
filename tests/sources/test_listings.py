"""JSON Lines of arXiv daily listings (the 74,728-paper CS corpus)."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
from pathlib import Path

from paperwire.ingest.run import records_of
from paperwire.sources.listings import listing_stream
from paperwire.sources.records import Rejected, Source
from tests.conftest import shared

CORPUS = "arxiv-cs-daily-listings/papers.jsonl.gz"


def _first(path: Path, n: int, tmp_path: Path) -> Path:
    out = tmp_path / "head.jsonl"
    with gzip.open(path, "rt") as handle:
        out.write_text("".join(itertools.islice(handle, n)))
    return out


def test_it_reads_real_listing_records(tmp_path: Path):
    records = records_of(listing_stream(_first(shared(CORPUS), 300, tmp_path)))
    assert len(records) == 300
    first = records[0]
    assert first.arxiv_id == "2503.11731"
    assert first.source is Source.LISTING
    assert first.title.startswith("Industrial-Grade Sensor Simulation via Gaussian Splatting")
    assert first.authors[:2] == ["Xianming Zeng", "Sicong Du"]
    assert first.categories == ["cs.CV", "cs.RO"]
    assert first.listing_date == dt.date(2025, 3, 18)
    assert first.comments == ""


def test_it_drops_msc_and_acm_classes_but_keeps_arxiv_categories(tmp_path: Path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "2501.00001",
                "title": "T",
                "summary": "S",
                "authors": ["A"],
                "categories": ["eess.IV", "68Txx", "I.4.2; E.4", "cs.CV"],
            }
        )
        + "\n"
    )
    (record,) = records_of(listing_stream(path))
    assert record.categories == ["eess.IV", "cs.CV"]


def test_a_raw_daily_file_takes_its_listing_date_from_its_name():
    records = records_of(listing_stream(shared("arxiv-cs-daily-listings/raw/2026-07-01.jsonl")))
    assert len(records) == 371
    assert {r.listing_date for r in records} == {dt.date(2026, 7, 1)}


def test_wrong_types_are_rejected_with_their_line(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"id": "2501.00001", "title": "ok", "authors": ["A"]})
        + "\n"
        + json.dumps({"id": "2501.00002", "title": "t", "authors": "A, B"})
        + "\n"
        + json.dumps({"id": "2501.00003", "title": "t", "listing_date": "July"})
        + "\n"
    )
    items = [i.resolve() if hasattr(i, "resolve") else i for i in listing_stream(path)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [r.where for r in rejected] == ["line 2 (2501.00002)", "line 3 (2501.00003)"]
    assert "'authors' should be a list of strings" in rejected[0].reason
    assert "not a YYYY-MM-DD date" in rejected[1].reason
