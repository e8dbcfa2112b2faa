"""The Kaggle arXiv snapshot source: real records in, plain records out, bad lines named."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from paperwire.ingest.run import records_of
from paperwire.sources.kaggle import kaggle_stream
from paperwire.sources.records import Pending, Rejected, Source
from tests.conftest import shared

SAMPLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"


def test_it_reads_every_real_record():
    records = records_of(kaggle_stream(shared(SAMPLE)))
    assert len(records) == 200
    assert [r.arxiv_id for r in records[:2]] == ["0704.0001", "0704.0002"]
    assert all(r.source is Source.KAGGLE for r in records)


def test_it_keeps_the_fields_of_a_real_record():
    first = records_of(kaggle_stream(shared(SAMPLE)))[0]
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.abstract.startswith("A fully differential calculation in perturbative")
    assert "\n" not in first.abstract  # arXiv's hard wraps folded
    assert first.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert first.categories == ["hep-ph"]
    assert [v.number for v in first.versions] == [1, 2]
    assert first.published == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=dt.UTC)
    assert first.updated == dt.datetime(2007, 7, 24, 20, 10, 27, tzinfo=dt.UTC)
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    assert first.comments == "37 pages, 15 figures; published version"
    assert first.report_no == "ANL-HEP-PR-07-12"


def test_it_keeps_categories_in_order_with_the_primary_first():
    records = {r.arxiv_id: r for r in records_of(kaggle_stream(shared(SAMPLE)))}
    raw = {}
    for line in shared(SAMPLE).read_text().splitlines():
        obj = json.loads(line)
        raw[obj["id"]] = obj["categories"].split()
    assert all(records[i].categories == cats for i, cats in raw.items())


def test_it_reads_gzip_the_same_as_plain(tmp_path: Path):
    packed = tmp_path / "snapshot.json.gz"
    packed.write_bytes(gzip.compress(shared(SAMPLE).read_bytes()))
    assert records_of(kaggle_stream(packed)) == records_of(kaggle_stream(shared(SAMPLE)))


def test_it_names_each_bad_line_and_reads_the_rest(tmp_path: Path):
    good = shared(SAMPLE).read_text().splitlines()[:3]
    lines = [
        good[0],
        "{not json",
        json.dumps({"id": "not-an-id", "title": "x"}),
        json.dumps({"id": "0704.9999", "title": 42}),
        json.dumps({"title": "no id"}),
        json.dumps(
            {
                "id": "0704.9998",
                "title": "t",
                "versions": [{"version": "v1", "created": "yesterday"}],
            }
        ),
        "[1, 2]",
        good[1],
        "",
        good[2],
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    items = [i.resolve() if isinstance(i, Pending) else i for i in kaggle_stream(path)]
    rejected = {r.where.split(" (")[0]: r.reason for r in items if isinstance(r, Rejected)}
    assert set(rejected) == {"line 2", "line 3", "line 4", "line 5", "line 6", "line 7"}
    assert "invalid JSON" in rejected["line 2"]
    assert "not an arXiv id" in rejected["line 3"]
    assert "'title' should be a string" in rejected["line 4"]
    assert "'id' is missing" in rejected["line 5"]
    assert "not an RFC 822 date" in rejected["line 6"]
    assert [r.arxiv_id for r in records_of(items)] == ["0704.0001", "0704.0002", "0704.0003"]


def test_it_resumes_after_a_given_line():
    stream = kaggle_stream(shared(SAMPLE), cursor="150")
    records = records_of(stream)
    assert records[0].arxiv_id == "0704.0151"
    assert len(records) == 50
    assert stream.cursor == "200"


def test_its_fingerprint_changes_with_the_record():
    items = list(kaggle_stream(shared(SAMPLE)))
    assert all(isinstance(i, Pending) for i in items)
    assert len({i.fingerprint for i in items if isinstance(i, Pending)}) == 200
