"""The operator's commands: subscribers import|list, digest send --dry-run, digest preview."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.factories import real_day_with_subscribers

CSV = "\n".join(
    [
        "email,frequency,topics",
        "ada@example.org,daily,graph neural networks;cat:cs.LG",
        'Grace@Example.ORG,weekly,"author:""Grace Hopper"""',
        "not-an-address,daily,x",
        "bob@example.org,monthly,x",
        "carl@example.org,,",
        "",
    ]
)


def test_import_reports_bad_lines_and_keeps_the_rest(cli: Cli, tmp_path: Path):
    path = tmp_path / "list.csv"
    path.write_text(CSV)
    result = cli("subscribers", "import", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "rejected line 4: that is not an e-mail address",
        "rejected line 5: frequency must be daily or weekly",
    ]
    assert result.stdout.strip() == "read 5 · new 3 · updated 0 · rejected 2"
    again = cli("subscribers", "import", str(path))
    assert again.stdout.strip() == "read 5 · new 0 · updated 0 · rejected 2"
    listed = cli("subscribers", "list", "--json")
    people = [json.loads(line) for line in listed.stdout.splitlines()]
    assert people == [
        {"email": "ada@example.org", "frequency": "daily", "status": "confirmed",
         "trending": True, "topics": ["cat:cs.LG", "graph neural networks"]},
        {"email": "carl@example.org", "frequency": "daily", "status": "confirmed",
         "trending": True, "topics": []},
        {"email": "grace@example.org", "frequency": "weekly", "status": "confirmed",
         "trending": True, "topics": ['author:"Grace Hopper"']},
    ]  # fmt: skip


def test_import_refuses_a_file_without_the_header(cli: Cli, tmp_path: Path):
    path = tmp_path / "list.csv"
    path.write_text("ada@example.org,daily,x\n")
    result = cli("subscribers", "import", str(path))
    assert result.returncode != 0
    assert "the first line must be the header email,frequency,topics" in result.stderr


def _day_with_subscribers(cli: Cli, tmp_path: Path) -> str:
    return real_day_with_subscribers(cli, tmp_path, "ada@example.org,daily,agents\n")


def test_dry_run_composes_and_sends_nothing(cli: Cli, tmp_path: Path):
    day = _day_with_subscribers(cli, tmp_path)
    cli.env["PAPERWIRE_SMTP_URL"] = "smtp+plain://127.0.0.1:9"  # nothing listens: must not be used
    result = cli("digest", "send", "--period", "daily", "--date", day, "--dry-run", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "composed 1" in result.stdout
    assert "dry run: nothing sent" in result.stdout


def test_preview_writes_the_html_of_a_real_day(cli: Cli, tmp_path: Path):
    day = _day_with_subscribers(cli, tmp_path)
    out = tmp_path / "preview.html"
    result = cli("digest", "preview", "ada@example.org", "--date", day, "--output", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert "EnvHarness: Awakening Static Worlds for Agent Learning" in html
    assert "why: trending" in html
    assert cli("digest", "preview", "nobody@example.org").returncode != 0


def test_a_bad_period_is_a_one_line_error(cli: Cli):
    result = cli("digest", "send", "--period", "monthly")
    assert result.returncode != 0
    assert "invalid choice: 'monthly'" in result.stderr


def test_a_bad_date_is_a_one_line_error(cli: Cli):
    for args in (("send", "--period", "daily"), ("preview", "ada@example.org")):
        result = cli("digest", *args, "--date", "2026-13-01")
        assert result.returncode != 0
        assert result.stderr.strip() == "CommandError: not a date (YYYY-MM-DD): '2026-13-01'"
