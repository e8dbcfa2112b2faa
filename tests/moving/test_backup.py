"""Backups of a whole populated instance, taken while it is open, restore to the same rows:
SQLite's online backup and PostgreSQL's pg_dump, both through deploy/paperwire-backup."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import POSTGRES_SERVER, Cli, NewEnd
from tests.moving import canonical
from tests.moving.instance import populate

BACKUP = Path(__file__).resolve().parents[2] / "deploy" / "paperwire-backup"


def backup(cli: Cli, folder: Path) -> Path:
    done = subprocess.run(
        [str(BACKUP), str(folder)], env={**cli.env, "PAPERWIRE_PYTHON": sys.executable},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def rows_of(cli: Cli, path: Path) -> dict[str, list[object]]:
    done = cli("dump", str(path), "--no-progress")
    assert done.returncode == 0, done.stderr
    return canonical.read(path)[1]


@pytest.fixture
def populated(db: None, tmp_path: Path) -> Path:
    populate()
    path = tmp_path / "instance.jsonl.gz"
    call_command("dump", str(path), "--no-progress")
    return path


def test_a_sqlite_backup_taken_while_the_database_is_in_use_restores_the_same_rows(
    populated: Path, tmp_path: Path, new_end: NewEnd
) -> None:
    live = new_end("sqlite")
    assert live("load", str(populated), "--no-progress").returncode == 0
    before = rows_of(live, tmp_path / "before.jsonl.gz")
    database = live.env["PAPERWIRE_DATABASE_URL"].removeprefix("sqlite:///")
    # Open the whole time: a reader in a transaction, and a writer whose row is not committed
    # when the backup runs (an import half-way through a batch).
    reader = sqlite3.connect(database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM catalogue_paper").fetchone()
    writer = sqlite3.connect(database, isolation_level=None, timeout=30)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO ingest_checkpoint (key, label, cursor, records_done, updated_at) "
        "VALUES ('during-the-backup', 'x', '1', 1, '2026-01-01 00:00:00')"
    )
    copy = backup(live, tmp_path / "backups")
    writer.execute("COMMIT")
    reader.execute("COMMIT")
    writer.close()
    reader.close()

    assert copy.suffix == ".sqlite3"
    restored = Cli({**live.env, "PAPERWIRE_DATABASE_URL": f"sqlite:///{copy}"})
    after = rows_of(restored, tmp_path / "restored.jsonl.gz")
    assert after == before
    assert len(rows_of(live, tmp_path / "live.jsonl.gz")["ingest.Checkpoint"]) == (
        len(before["ingest.Checkpoint"]) + 1
    )


def test_a_postgresql_backup_restores_the_same_rows(
    populated: Path, tmp_path: Path, new_end: NewEnd
) -> None:
    import psycopg

    live = new_end("postgresql")
    assert live("load", str(populated), "--no-progress").returncode == 0
    before = rows_of(live, tmp_path / "before.jsonl.gz")
    copy = backup(live, tmp_path / "backups")
    assert copy.suffix == ".dump"
    name = f"pw_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            restore = subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={POSTGRES_SERVER}/{name}", str(copy)],
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert restore.returncode == 0, restore.stderr
            restored = Cli({**live.env, "PAPERWIRE_DATABASE_URL": f"{POSTGRES_SERVER}/{name}"})
            after = rows_of(restored, tmp_path / "restored.jsonl.gz")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert after == before
