"""`paperwire recommend EMAIL`: a period's papers ranked for a reader, as /for-you ranks them,
through the real console script on real papers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, shared

KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"
READER = "ada@example.org"


@pytest.fixture
def catalogue(cli: Cli, tmp_path: Path) -> Cli:
    """200 real papers, and a reader with an account and no signals yet."""
    result = cli("import", "kaggle", str(shared(KAGGLE)), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert cli("token", "create", READER).returncode == 0
    return cli


def python(cli: Cli, code: str) -> str:
    """Run Django code in the command's database (paperwire shell -c)."""
    result = cli("shell", "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout


def save_papers(cli: Cli, *title_words: str) -> None:
    """The reader saves every paper whose title holds one of the words."""
    words = ", ".join(repr(w) for w in title_words)
    python(
        cli,
        "import functools, operator; from django.contrib.auth.models import User; "
        "from django.db.models import Q; from paperwire.catalogue.models import Paper; "
        "from paperwire.library import save; "
        f"u = User.objects.get(email={READER!r}); "
        f"q = functools.reduce(operator.or_, [Q(title__icontains=w) for w in ({words},)]); "
        "[save(u, p) for p in Paper.objects.filter(q)]",
    )


def test_an_unknown_address_is_one_line(catalogue: Cli):
    result = catalogue("recommend", "nobody@example.org")
    assert result.returncode == 1
    assert result.stderr.strip() == "CommandError: no account has the address 'nobody@example.org'"


def test_a_reader_without_signals_is_told_what_to_do(catalogue: Cli):
    result = catalogue("recommend", READER)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "nothing to learn from yet" in lines[0]
    as_json = catalogue("recommend", READER, "--json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout) == []


def test_it_ranks_a_period_with_scores_and_why(catalogue: Cli):
    save_papers(catalogue, "diphoton", "graph", "quantum")
    result = catalogue("recommend", READER, "--month", "2007-04", "--limit", "5", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert 0 < len(rows) <= 5
    for row in rows:
        assert {"id", "title", "score", "why"} <= set(row)
        assert isinstance(row["score"], float)
        assert all(isinstance(reason, str) for reason in row["why"])
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    text = catalogue("recommend", READER, "--month", "2007-04", "--limit", "5")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"For you, {READER}: April 2007")
    assert rows[0]["id"] in text.stdout.splitlines()[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "2025-02-30"), "--date: "),
        (("--week", "2025W99"), "--week: "),
        (("--limit", "0"), "--limit: give a number from 1 to 1000"),
    ],
)
def test_bad_options_are_one_line(catalogue: Cli, args: tuple[str, ...], message: str):
    result = catalogue("recommend", READER, *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"CommandError: {message}")


def test_one_period_at_a_time(catalogue: Cli):
    result = catalogue("recommend", READER, "--date", "2007-04-02", "--week", "2007-W14")
    assert result.returncode == 2  # argparse's own usage error
    assert "not allowed with argument" in result.stderr
