"""The bulk write path: an unchanged re-import writes and parses nothing, skimming a file reads
what parsing it reads, and a killed import (a real child, SIGKILL) resumes with no duplicates.

On SQLite and, under `make test-postgres`, on PostgreSQL, where new rows are COPYed in and
changed ones go through a temporary table.
"""

from __future__ import annotations

import importlib
import json
import signal
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from paperwire.catalogue.models import Paper
from paperwire.ingest.run import BATCH_SIZE, POSTGRES_BATCH_SIZE, Ingester
from paperwire.ingest.skim import Skimmed
from paperwire.sources.kaggle import kaggle_stream
from paperwire.sources.records import Pending, Rejected, fingerprint
from tests.conftest import Cli, shared

KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"


def run(stream: Any, **options: Any):
    return Ingester(progress=False, **options).run(stream)


def stored() -> dict[str, tuple[Any, ...]]:
    """Each paper's write stamp: modified_at, and on PostgreSQL the row version (xmin), which
    any UPDATE changes even when it writes the same values."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT arxiv_id, modified_at, xmin::text FROM catalogue_paper")
            return {row[0]: row[1:] for row in cursor.fetchall()}
    return {a: (m,) for a, m in Paper.objects.values_list("arxiv_id", "modified_at")}


@pytest.mark.django_db
def test_an_unchanged_re_import_writes_no_row():
    first = run(Skimmed(kaggle_stream(shared(KAGGLE))))
    assert first.new == 200
    before = stored()

    again = run(Skimmed(kaggle_stream(shared(KAGGLE))))

    assert (again.read, again.unchanged, again.new, again.updated) == (200, 200, 0, 0)
    assert stored() == before


@pytest.mark.django_db
def test_an_unchanged_re_import_parses_no_line(monkeypatch: pytest.MonkeyPatch):
    run(Skimmed(kaggle_stream(shared(KAGGLE))))

    class NoParsing:
        JSONDecodeError = ValueError

        @staticmethod
        def loads(raw: bytes) -> Any:
            raise AssertionError(f"parsed a line already in the catalogue: {raw[:40]!r}")

    monkeypatch.setattr("paperwire.sources.jsonlines.orjson", NoParsing)
    again = run(Skimmed(kaggle_stream(shared(KAGGLE))))
    assert again.unchanged == 200


def odd_lines(tmp_path: Path) -> Path:
    """Lines of every shape the id could be read from wrongly, and lines to reject."""
    real = json.loads(shared(KAGGLE).read_text().splitlines()[0])
    body = {k: v for k, v in real.items() if k != "id"}
    lines = [
        json.dumps({"id": "0704.0001", **body}),
        json.dumps({"id": "0704.0002v3", **body}),  # a version: not the canonical id
        json.dumps({"id": "math.GT/0309136", **body}),  # subject class: arXiv drops it
        '{"id":"hep-th\\/9901001",' + json.dumps(body)[1:],  # an escaped slash
        '{"id":"0704.0003",' + json.dumps(body)[1:-1] + ',"id":"0704.0004"}',  # last id wins
        '{ "id" : "0704.0005" , ' + json.dumps(body)[1:],  # spaces
        json.dumps({**body, "id": "0704.0006"}),  # id not first
        '{"id":"0704.0007","title":',  # broken JSON after a good id
        '{"id":"0704.0008","title":42}',  # a bad field after a good id
        json.dumps({"id": "0704.0009", **body, "title": ""}),
        '["0704.0010"]',
        json.dumps({"id": "not-an-id", **body}),
        "",
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def resolved(stream: Any) -> list[Any]:
    items = [item.resolve() if isinstance(item, Pending) else item for item in stream]
    return [(r.where, r.reason) if isinstance(r, Rejected) else r for r in items]


def test_skimming_a_file_gives_what_parsing_it_gives(tmp_path: Path):
    path = odd_lines(tmp_path)
    plain, skimmed = kaggle_stream(path), Skimmed(kaggle_stream(path))
    assert resolved(skimmed) == resolved(plain)
    assert skimmed.cursor == plain.cursor == "13"


def test_a_skimmed_line_is_fingerprinted_once_and_its_id_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
):
    lines = shared(KAGGLE).read_bytes().splitlines()
    calls = {"fingerprint": 0, "parse_arxiv_id": 0}

    def counted(module: str, name: str) -> None:
        real = getattr(importlib.import_module(module), name)

        def wrapper(*args: Any) -> Any:
            calls[name] += 1
            return real(*args)

        monkeypatch.setattr(f"{module}.{name}", wrapper)

    for module in ("paperwire.ingest.skim", "paperwire.sources.jsonlines"):
        counted(module, "fingerprint")
    for module in ("paperwire.sources.jsonlines", "paperwire.sources.kaggle"):
        counted(module, "parse_arxiv_id")
    items = list(Skimmed(kaggle_stream(shared(KAGGLE))))
    assert all(isinstance(item, Pending) for item in items)
    records = [item.resolve() for item in items if isinstance(item, Pending)]

    assert calls == {"fingerprint": len(lines), "parse_arxiv_id": len(lines)}
    # The one digest made is the line's, and is what the record carries.
    assert [getattr(r, "fingerprint", None) for r in records] == [
        fingerprint(line.strip()) for line in lines
    ]


@pytest.mark.django_db
def test_a_line_naming_its_id_twice_lands_on_the_paper_its_last_id_names(tmp_path: Path):
    # 0704.0004 is stored already: the line that starts with 0704.0003 must merge into it.
    real = shared(KAGGLE).read_text().splitlines()[0]
    other = tmp_path / "other.jsonl"
    other.write_text(real.replace('"id":"0704.0001"', '"id":"0704.0004"', 1) + "\n")
    run(kaggle_stream(other))

    path = odd_lines(tmp_path)
    summary = run(Skimmed(kaggle_stream(path)))

    twice = next(item for item in Skimmed(kaggle_stream(path)) if item.where == "line 5")
    assert isinstance(twice, Pending)
    assert twice.arxiv_id == "0704.0003"  # as skimmed
    assert Paper.objects.get(arxiv_id="0704.0004").fingerprints[-1] == twice.fingerprint
    assert not Paper.objects.filter(arxiv_id="0704.0003").exists()
    assert (summary.new, summary.unchanged, summary.rejected) == (6, 1, 5)


@pytest.mark.django_db
def test_postgresql_batches_are_postgresql_s_own_size():
    expected = POSTGRES_BATCH_SIZE if connection.vendor == "postgresql" else BATCH_SIZE
    assert Ingester(progress=False).batch_size == expected


# -- a real import, killed ---------------------------------------------------------------------


def snapshot(tmp_path: Path, copies: int) -> Path:
    """The 200 real Kaggle records, ``copies`` times over under fresh ids."""
    real = [json.loads(line) for line in shared(KAGGLE).read_text().splitlines()]
    path = tmp_path / "snapshot.jsonl"
    with path.open("w") as handle:
        for copy in range(copies):
            for number, record in enumerate(real, start=1):
                arxiv_id = f"{23 + copy // 12}{copy % 12 + 1:02d}.{number:05d}"
                handle.write(json.dumps({**record, "id": arxiv_id}) + "\n")
    return path


def catalogue_rows(url: str) -> list[tuple[Any, ...]]:
    """Every paper as stored, but for its key and timestamps, in id order."""
    query = (
        "SELECT arxiv_id, title, abstract, authors, versions, announced_on, fingerprints "
        "FROM catalogue_paper ORDER BY arxiv_id"
    )
    if url.startswith("sqlite:"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return [
                (*row[:3], json.loads(row[3]), json.loads(row[4]), str(row[5]), json.loads(row[6]))
                for row in db.execute(query)
            ]
    with psycopg.connect(url) as db:
        return [(*row[:5], str(row[5]), row[6]) for row in db.execute(query)]


def records_done(url: str) -> int:
    query = "SELECT coalesce(sum(records_done), 0) FROM ingest_checkpoint"
    if url.startswith("sqlite:"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            try:
                return int(db.execute(query).fetchone()[0])
            except sqlite3.OperationalError:
                return 0  # the child has not made the schema yet
    try:
        with psycopg.connect(url) as db:
            row = db.execute(query).fetchone()
            return int(row[0]) if row else 0
    except psycopg.errors.UndefinedTable:
        return 0


def test_a_killed_import_resumes_with_no_duplicates_and_no_gaps(
    cli: Cli, scratch_database_url: str, tmp_path: Path
):
    path = str(snapshot(tmp_path, 12))  # 2,400 records, 6 batches of 400
    args = ("import", "kaggle", path, "--batch-size", "400", "--no-progress", "--no-index")
    assert cli("init").returncode == 0

    child = cli.popen(*args, "--json")
    deadline = time.monotonic() + 120
    while records_done(scratch_database_url) < 800:
        assert child.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import did not get going"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    done = records_done(scratch_database_url)
    assert 800 <= done < 2400

    resumed = cli(*args, "--json")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["resumed_from"] == str(done)
    assert (summary["read"], summary["new"]) == (2400 - done, 2400 - done)
    rows = catalogue_rows(scratch_database_url)
    assert len(rows) == len({row[0] for row in rows}) == 2400
    assert records_done(scratch_database_url) == 0  # finished: nothing left to resume

    assert rows == _uninterrupted(cli, scratch_database_url, args)


def _uninterrupted(cli: Cli, url: str, args: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The same import run through once, after emptying the catalogue (and the author pages'
    rows, which refer to its papers)."""
    empty = ("DELETE FROM community_namekey", "DELETE FROM catalogue_paper")
    if url.startswith("sqlite:"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            for statement in empty:
                db.execute(statement)
    else:
        with psycopg.connect(url) as db:
            for statement in empty:
                db.execute(statement)
    result = cli(*args, "--json")
    assert result.returncode == 0, result.stderr
    return catalogue_rows(url)
