"""A populated instance moved to the other database and back is the same instance: the same
rows (every field, every table), the same pages and the same search results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from tests.conftest import Cli, NewEnd
from tests.moving import canonical
from tests.moving.instance import populate

LOOK = Path(__file__).with_name("look.py")


def dump(cli: Cli, path: Path) -> None:
    done = cli("dump", str(path), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "dumped" in done.stdout


def load(cli: Cli, path: Path) -> str:
    done = cli("load", str(path), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "paperwire reindex" in done.stdout
    return done.stdout


def look(cli: Cli, facts: dict[str, str]) -> dict[str, dict[str, Any]]:
    reindex = cli("reindex", "--no-progress")
    assert reindex.returncode == 0, reindex.stderr
    # The same environment, another program: the pages and searches of tests/moving/look.py.
    shown = subprocess.run(
        [sys.executable, str(LOOK), facts["paper"], facts["author"], facts["reader"]],
        env=cli.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    result: dict[str, dict[str, Any]] = json.loads(shown.stdout)
    return result


def test_an_instance_moved_to_the_other_database_and_back_is_the_same(
    db: None, tmp_path: Path, new_end: NewEnd
) -> None:
    made = populate()
    facts = {"paper": made["paper"].arxiv_id, "author": made["author"],
             "reader": made["reader"].email}  # fmt: skip
    here = connection.vendor
    there = "postgresql" if here == "sqlite" else "sqlite"
    first, second, third = tmp_path / "1.jsonl.gz", tmp_path / "2.jsonl.gz", tmp_path / "3.jsonl.gz"

    call_command("dump", str(first), "--no-progress")
    away = new_end(there)
    load(away, first)
    dump(away, second)
    back = new_end(here)
    load(back, second)
    dump(back, third)

    header, rows = canonical.read(first)
    for other in (second, third):
        other_header, other_rows = canonical.read(other)
        assert other_header["counts"] == header["counts"]
        assert other_header["migrations"] == header["migrations"]
        for label, table in rows.items():
            assert other_rows[label] == table, label
    assert [h["vendor"] for h in (header, canonical.read(second)[0])] == [here, there]
    # Every table the dump carries has rows here, so each of them was moved and compared.
    assert sorted(label for label, n in header["counts"].items() if n == 0) == []

    away_shows, back_shows = look(away, facts), look(back, facts)
    assert away_shows["search"] == back_shows["search"]
    assert away_shows["search"]["quantum"][0] == facts["paper"]
    assert facts["paper"] in away_shows["search"]['author:"José Núñez"']
    assert len(away_shows["search"]["similar"]) >= 3
    assert away_shows["pages"].keys() == back_shows["pages"].keys()
    for page, text in away_shows["pages"].items():
        assert text.startswith("200\n"), page
        assert text == back_shows["pages"][page], page
    assert "Quantum error correction" in away_shows["pages"]["anonymous /"]
    assert "A reply, edited." in away_shows["pages"][f"anonymous /papers/{facts['paper']}"]
