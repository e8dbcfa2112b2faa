"""What deploy/ ships works as written: every command a systemd unit starts exists with the
options it is given, every variable it names is documented, every timer has its service, and
the backup script makes a copy that restores to the same catalogue (SQLite and PostgreSQL)."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import PAPERWIRE, Cli, shared

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
INSTALLED = "/opt/paperwire/"  # where the units expect the checkout (docs/operations.md)


def unit(path: Path) -> configparser.ConfigParser:
    # systemd's files are INI-like; repeated keys (Environment=) are kept, the last one wins.
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(path.read_text())
    return parser


def test_units_are_there():
    names = {path.name for path in UNITS}
    assert {
        "paperwire-web.service",
        "paperwire-worker.service",
        "paperwire-embed.service",
        "paperwire-backup.service",
        "paperwire-backup.timer",
    } <= names


@pytest.mark.parametrize("path", [p for p in UNITS if p.suffix == ".service"], ids=lambda p: p.name)
def test_every_command_a_unit_starts_exists_with_its_options(path: Path):
    start = unit(path)["Service"]["ExecStart"]
    program, *args = shlex.split(start)
    assert program.startswith(INSTALLED), program
    local = ROOT / program.removeprefix(INSTALLED)
    if local.name == "paperwire":
        command, options = args[0], [a.split("=")[0] for a in args[1:] if a.startswith("--")]
        helped = subprocess.run(
            [str(PAPERWIRE), command, "--help"], capture_output=True, text=True, timeout=120
        )
        assert helped.returncode == 0, helped.stderr
        for option in options:
            assert re.search(rf"{re.escape(option)}\b", helped.stdout), (command, option)
    else:  # a script shipped beside the units
        assert local.is_file(), local
        assert os.access(local, os.X_OK), f"{local} is not executable"


@pytest.mark.parametrize("path", [p for p in UNITS if p.suffix == ".timer"], ids=lambda p: p.name)
def test_every_timer_starts_a_shipped_service(path: Path):
    assert path.with_suffix(".service").exists()
    assert unit(path)["Timer"]["OnCalendar"]


def test_every_variable_deploy_names_is_documented():
    documented = set()
    for page in ("configuration.md", "operations.md"):
        text = (ROOT / "docs" / page).read_text()
        documented |= set(re.findall(r"`(PAPERWIRE_[A-Z_]+)`", text))
    named = set()
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            named |= set(re.findall(r"\b(PAPERWIRE_[A-Z_]+)\b", path.read_text()))
    # The backup script's own hand-over between its shell and Python halves.
    named -= {"PAPERWIRE_BACKUP_FROM", "PAPERWIRE_BACKUP_TO", "PAPERWIRE_PYTHON"}
    assert named, "no variables found: the scan is broken"
    assert named - documented == set()


# -- the backup script --------------------------------------------------------------------


def backup(cli: Cli, folder: Path) -> Path:
    env = {**cli.env, "PAPERWIRE_PYTHON": sys.executable}
    done = subprocess.run(
        [str(DEPLOY / "paperwire-backup"), str(folder), "14"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    copy = Path(done.stdout.strip())
    assert copy.parent == folder
    assert copy.is_file()
    assert not list(folder.glob("*.partial"))
    return copy


def papers_in(cli: Cli) -> int:
    stats = cli("stats", "--json")
    assert stats.returncode == 0, stats.stderr
    return int(json.loads(stats.stdout)["papers"])


def found(cli: Cli) -> list[str]:
    """The ids a keyword search finds, in order."""
    search = cli("search", "--mode", "lexical", "--json", "quantum")
    assert search.returncode == 0, search.stderr
    return [hit["id"] for hit in json.loads(search.stdout)]


def test_a_backup_restores_to_the_same_catalogue(cli: Cli, tmp_path: Path):
    kaggle = shared("arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl")
    assert cli("import", "kaggle", str(kaggle), "--no-progress").returncode == 0
    before, hits = papers_in(cli), found(cli)
    assert before > 100
    assert hits
    copy = backup(cli, tmp_path / "backups")

    url = cli.env["PAPERWIRE_DATABASE_URL"]
    restored = Cli({**cli.env})
    if url.startswith("sqlite"):
        assert copy.suffix == ".sqlite3"
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        restored.env["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{copy}"
        restored.env["PAPERWIRE_DATA_DIR"] = str(tmp_path / "restored")
        assert papers_in(restored) == before
        reindex = restored("reindex", "--lexical-only", "--no-progress")
        assert reindex.returncode == 0, reindex.stderr
        assert found(restored) == hits
        return
    import psycopg

    assert copy.suffix == ".dump"
    name = f"pw_restore_{uuid.uuid4().hex[:12]}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            restore = subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={server}/{name}", str(copy)],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert restore.returncode == 0, restore.stderr
            restored.env["PAPERWIRE_DATABASE_URL"] = f"{server}/{name}"
            assert papers_in(restored) == before
            assert found(restored) == hits  # the keyword column is rebuilt by the restore
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_old_backups_are_removed_and_unfinished_ones_never_named_as_done(cli: Cli, tmp_path: Path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "paperwire-20200101T000000Z.sqlite3"
    old.write_bytes(b"")
    os.utime(old, (0, 0))
    unrelated = folder / "notes.txt"
    unrelated.write_text("kept")
    os.utime(unrelated, (0, 0))
    backup(cli, folder)
    assert not old.exists()
    assert unrelated.exists()
