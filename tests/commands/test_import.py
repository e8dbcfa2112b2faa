"""`paperwire import ...` as a user runs it: the real console script in a child process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Cli, shared

KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"


def stats(cli: Cli) -> dict[str, Any]:
    result = cli("stats", "--json")
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_import_kaggle_prints_a_summary_and_a_second_run_changes_nothing(cli: Cli):
    first = cli("import", "kaggle", str(shared(KAGGLE)), "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "read 200 · new 200 · updated 0 · unchanged 0 · rejected 0" in first.stdout
    second = cli("import", "kaggle", str(shared(KAGGLE)), "--no-progress")
    assert "read 200 · new 0 · updated 0 · unchanged 200 · rejected 0" in second.stdout
    assert stats(cli)["papers"] == 200


def test_import_shows_a_progress_bar_with_rate_and_eta(cli: Cli):
    result = cli("import", "kaggle", str(shared(KAGGLE)))
    assert result.returncode == 0
    assert "rec/s" in result.stderr
    assert "<00:00" in result.stderr or "?" in result.stderr  # tqdm's ETA field


def test_rejected_lines_are_named_and_the_exit_status_is_non_zero(cli: Cli, tmp_path: Path):
    lines = shared(KAGGLE).read_text().splitlines()[:4]
    lines[1] = '{"id": "0704.0002", "title": ['
    lines.insert(3, json.dumps({"id": "nope", "title": "x"}))
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = cli("import", "kaggle", str(path), "--no-progress")
    assert result.returncode != 0
    assert "rejected line 2: invalid JSON" in result.stderr
    assert "rejected line 4 (nope): not an arXiv id" in result.stderr
    assert "read 5 · new 3 · updated 0 · unchanged 0 · rejected 2" in result.stdout
    assert stats(cli)["papers"] == 3


def test_import_json_summary_is_machine_readable(cli: Cli):
    result = cli("import", "kaggle", str(shared(KAGGLE)), "--no-progress", "--json")
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["new"], summary["rejected"]) == (200, 200, 0)


def test_bad_input_exits_non_zero_with_a_one_line_error(cli: Cli, tmp_path: Path):
    missing = cli("import", "jsonl", str(tmp_path / "missing.jsonl"))
    assert missing.returncode != 0
    assert missing.stderr.strip().splitlines() == [
        f"CommandError: no such file or directory: {tmp_path / 'missing.jsonl'}"
    ]
    a_dir = cli("import", "kaggle", str(tmp_path))
    assert a_dir.returncode != 0
    assert "not a file" in a_dir.stderr


def test_every_command_has_help(cli: Cli):
    for command in (
        ["init"],
        ["import", "kaggle"],
        ["import", "jsonl"],
        ["import", "hf-daily"],
        ["harvest", "arxiv"],
        ["harvest", "oai"],
        ["add"],
        ["stats"],
        ["serve"],
    ):
        result = cli(*command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "usage: paperwire" in result.stdout


def test_import_hf_daily_brings_real_upvotes_and_submitters(cli: Cli):
    result = cli(
        "import",
        "hf-daily",
        str(shared("hf-daily-papers/samples/2026-08-21.json")),
        "--no-progress",
    )
    assert result.returncode == 0, result.stderr
    assert "new 17" in result.stdout
    numbers = stats(cli)
    assert numbers["papers"] == 17
    assert numbers["on_daily_lists"] == 17
    assert numbers["upvoted"] > 0


def test_an_import_without_indexing_still_fills_the_author_pages(cli: Cli):
    """`--no-index` leaves the search indexes for `paperwire reindex`; the author pages' names
    are a small table that follows every import at once, or a big import would leave every
    author page empty until someone thought of `paperwire people reindex`."""
    result = cli("import", "kaggle", str(shared(KAGGLE)), "--no-progress", "--no-index")
    assert result.returncode == 0, result.stderr
    assert "search index:" not in result.stderr
    shown = cli("people", "show", "P. M. Nadolsky")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("P. M. Nadolsky: 1 paper\n")
