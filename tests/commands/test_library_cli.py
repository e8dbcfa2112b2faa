"""`paperwire library import` and `export` as an operator runs them, on real papers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, shared

KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"
EMAIL = "ada@example.org"
NO_ACCOUNT = "no account has the address 'nobody@example.org'"


@pytest.fixture
def ada(cli: Cli) -> Cli:
    """Ada's account, made as operators make one: a token for it."""
    assert cli("token", "create", EMAIL).returncode == 0
    return cli


@pytest.fixture
def loaded(ada: Cli, tmp_path: Path) -> Cli:
    """And 60 real papers."""
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(shared(KAGGLE).read_text().splitlines(keepends=True)[:60]))
    result = ada("import", "kaggle", str(sample), "--no-progress", "--no-index")
    assert result.returncode == 0, result.stderr
    return ada


def bib(tmp_path: Path, ids: list[str], broken: bool = False) -> Path:
    entries = [
        f"@misc{{k{n},\n  eprint = {{{i}}},\n  keywords = {{imported}}\n}}"
        for n, i in enumerate(ids)
    ]
    if broken:
        entries.insert(1, "@article{broken,\n  title = {never closed,\n}")
        entries.append("@book{knuth, title={The TeXbook}}")
    path = tmp_path / "mine.bib"
    path.write_text("\n\n".join(entries) + "\n")
    return path


def test_import_prints_a_summary_and_one_line_per_unmatched_entry(loaded: Cli, tmp_path: Path):
    path = bib(tmp_path, ["0704.0001", "0704.0002v2", "0704.0003"], broken=True)
    result = loaded("library", "import", EMAIL, str(path), "--collection", "Reading")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == 'imported 3 of 5 entries into "Reading"; 2 not matched:'
    assert lines[1].startswith("  line 6: broken: malformed entry (")
    assert lines[2] == (
        "  line 20: knuth: no identifier matched: no catalogue paper has its DOI or title"
    )
    assert len(lines) == 3
    again = loaded("library", "import", EMAIL, str(path), "--collection", "Reading")
    assert again.stdout.splitlines()[0] == (
        'imported 3 of 5 entries into "Reading"; 3 were there already; 2 not matched:'
    )


def test_a_big_import_shows_a_progress_bar_on_stderr(loaded: Cli, tmp_path: Path):
    ids = [f"0704.{n:04d}" for n in range(1, 61)]
    result = loaded("library", "import", EMAIL, str(bib(tmp_path, ids)), "--no-fetch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'imported 60 of 60 entries into "Saved"'
    assert "import: 100%" in result.stderr
    quiet = loaded("library", "import", EMAIL, str(bib(tmp_path, ids)), "--no-progress")
    assert quiet.stderr == ""


def test_export_writes_each_format_to_stdout_or_a_file(loaded: Cli, tmp_path: Path):
    path = bib(tmp_path, ["0704.0001", "0704.0002"])
    assert loaded("library", "import", EMAIL, str(path), "--collection", "Reading").returncode == 0
    result = loaded("library", "export", EMAIL, "--collection", "Reading", "--format", "json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert sorted(i["arxiv_id"] for i in items) == ["0704.0001", "0704.0002"]
    assert {tuple(i["tags"]) for i in items} == {("imported",)}
    out = tmp_path / "reading.bib"
    written = loaded("library", "export", EMAIL, "--format", "bibtex", "--output", str(out))
    assert (written.returncode, written.stdout) == (0, "")
    assert out.read_text().count("@misc{") + out.read_text().count("@article{") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "nobody@example.org", "x.bib"), NO_ACCOUNT),
        (("export", "nobody@example.org", "--format", "ris"), NO_ACCOUNT),
        (("import", EMAIL, "missing.bib"), "no such file: missing.bib"),
        (("export", EMAIL, "--collection", "Nope", "--format", "csv"),
         "there is no collection named 'Nope'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_it(ada: Cli, args: tuple[str, ...], message: str):
    result = ada("library", *args)
    assert result.returncode == 1
    assert result.stderr.strip() == f"CommandError: {message}"


def test_a_file_in_no_known_format_is_one_line(ada: Cli, tmp_path: Path):
    path = tmp_path / "letter.txt"
    path.write_text("Dear colleague,\nhere are my papers.\n")
    result = ada("library", "import", EMAIL, str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CommandError: letter.txt is not BibTeX, RIS, a Zotero CSV export or paperwire's JSON "
        "export"
    )
