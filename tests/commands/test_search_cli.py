"""`paperwire search`, `similar` and `reindex` as a user runs them, on real papers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import Cli, shared

KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"
TITLE = "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"


# These drive the embedded mode's index files (tantivy, faiss) through the CLI; PostgreSQL's
# side is covered by tests/search under `make test-pgvector`.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the embedded (SQLite) mode's index files"
)

N = 60  # of the 200 real records: enough to rank, few enough to embed in seconds


@pytest.fixture
def loaded(cli: Cli, tmp_path: Path) -> Cli:
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(shared(KAGGLE).read_text().splitlines(keepends=True)[:N]))
    cli.env["PAPERWIRE_EMBED_INLINE_MAX"] = "2000"
    result = cli("import", "kaggle", str(sample), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert f"search index: {N} papers (re)indexed; {N} embedded" in result.stderr
    return cli


def search(cli: Cli, *args: str) -> list[dict[str, object]]:
    result = cli("search", *args, "--json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_an_import_makes_its_papers_searchable_at_once(loaded: Cli):
    rows = search(loaded, TITLE)
    assert rows[0]["id"] == "0704.0001"
    assert rows[0]["title"] == TITLE
    assert isinstance(rows[0]["score"], float)
    assert rows[0]["mode"] == "hybrid"


def test_search_prints_ranked_results_with_scores(loaded: Cli):
    result = loaded("search", "diphoton production", "--limit", "3")
    lines = [line for line in result.stdout.splitlines() if line[:4].strip().rstrip(".").isdigit()]
    assert len(lines) == 3
    assert lines[0].split()[2] == "0704.0001"


def test_search_filters_from_flags(loaded: Cli):
    rows = search(loaded, "energy", "--cat", "hep-ph", "--limit", "50")
    assert rows
    assert all("hep-ph" in row["categories"] for row in rows)  # type: ignore[operator]


@pytest.mark.parametrize(
    "hostile", ["'; DROP TABLE catalogue_paper; --", 'a OR (b AND "c', "\x1b[31m", "x" * 10_000]
)
def test_hostile_queries_do_not_crash_the_command(loaded: Cli, hostile: str):
    result = loaded("search", hostile)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_similar_lists_neighbours_without_the_paper_itself(loaded: Cli):
    result = loaded("similar", "arxiv.org/abs/0704.0001v2", "--json", "--limit", "5")
    assert result.returncode == 0, result.stderr
    ids = [row["id"] for row in json.loads(result.stdout)]
    assert len(ids) == 5
    assert "0704.0001" not in ids


def test_similar_of_an_unknown_paper_is_a_one_line_error(loaded: Cli):
    result = loaded("similar", "2401.99999")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "CommandError: 2401.99999 is not in the catalogue (paperwire add 2401.99999)"
    ]


def test_a_lost_index_is_rebuilt_by_reindex(loaded: Cli):
    index = Path(loaded.env["PAPERWIRE_DATA_DIR"]) / "index"
    for path in sorted(index.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    broken = loaded("search", TITLE)
    assert broken.returncode == 0
    assert "unavailable" in broken.stderr
    rebuilt = loaded("reindex", "--no-progress")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"keyword index: {N} papers" in rebuilt.stdout
    assert f"vector index: {N} vectors" in rebuilt.stdout
    assert search(loaded, TITLE)[0]["id"] == "0704.0001"


def test_a_corrupt_vector_index_is_reported_and_never_served(loaded: Cli):
    vectors = Path(loaded.env["PAPERWIRE_DATA_DIR"]) / "index" / "vectors" / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2] ^= 0xFF
    vectors.write_bytes(bytes(data))
    result = loaded("search", TITLE)
    assert result.returncode == 0
    assert "corrupt" in result.stderr
    assert "(lexical search)" in result.stderr
    assert "0704.0001" in result.stdout.splitlines()[0]
    fixed = loaded("reindex", "--no-progress")
    assert "corrupt" in fixed.stderr  # what it found
    assert "(hybrid search)" in loaded("search", TITLE).stderr


def test_embedding_resumes_where_it_stopped(cli: Cli, tmp_path: Path):
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(shared(KAGGLE).read_text().splitlines(keepends=True)[:30]))
    assert cli("import", "kaggle", str(sample), "--no-progress").returncode == 0  # none inline
    first = cli("embed", "--limit", "10")
    assert first.returncode == 0, first.stderr
    assert "embedded 10 papers" in first.stdout
    assert "papers/s" in first.stdout
    assert "it/s" in first.stderr or "paper/s" in first.stderr  # the progress bar's rate
    rest = cli("embed", "--no-progress")
    assert "embedded 20 papers" in rest.stdout
    again = cli("embed", "--no-progress")
    assert "embedded" not in again.stdout  # nothing left to do
