"""A file that is not a loadable dump is refused in one line, and nothing of it is loaded."""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command

from tests import factories
from tests.conftest import PAPERWIRE, Cli, NewEnd

Edit = Callable[[list[bytes]], list[bytes]]


def lines_of(path: Path) -> list[bytes]:
    with gzip.open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


def write(path: Path, lines: list[bytes]) -> Path:
    with gzip.open(path, "wb") as f:
        f.writelines(lines)
    return path


def with_header(change: Callable[[dict[str, object]], None]) -> Edit:
    def edit(lines: list[bytes]) -> list[bytes]:
        header = orjson.loads(lines[0])
        change(header)
        return [orjson.dumps(header) + b"\n", *lines[1:]]

    return edit


def newer_migration(header: dict[str, object]) -> None:
    migrations = header["migrations"]
    assert isinstance(migrations, dict)
    migrations["catalogue"].append("9999_from_the_future")


def a_paper_row(lines: list[bytes]) -> int:
    start = next(
        i for i, line in enumerate(lines) if line.startswith(b'{"model":"catalogue.Paper"')
    )
    return start + 2  # the second paper


def broken_row(lines: list[bytes]) -> list[bytes]:
    i = a_paper_row(lines)
    return [*lines[:i], b'[1, "2501.00001", "a row cut in the mid\n', *lines[i + 1 :]]


def short_row(lines: list[bytes]) -> list[bytes]:
    i = a_paper_row(lines)
    return [*lines[:i], orjson.dumps(orjson.loads(lines[i])[:-1]) + b"\n", *lines[i + 1 :]]


def bad_date(lines: list[bytes]) -> list[bytes]:
    i = a_paper_row(lines)
    header = next(
        orjson.loads(line) for line in lines if line.startswith(b'{"model":"catalogue.Paper"')
    )
    row = orjson.loads(lines[i])
    row[header["fields"].index("published")] = "the first of March"
    return [*lines[:i], orjson.dumps(row) + b"\n", *lines[i + 1 :]]


def duplicate_paper(lines: list[bytes]) -> list[bytes]:
    i = a_paper_row(lines)
    return [*lines[:i], lines[i - 1], *lines[i + 1 :]]  # the first paper's row twice


CASES: dict[str, tuple[Edit, str]] = {
    "a malformed line": (broken_row, "not JSON"),
    "a row with a value missing": (short_row, "expected a row of catalogue.Paper"),
    "a value that cannot be read": (bad_date, "catalogue.Paper.published"),
    "a row the database refuses": (duplicate_paper, "rows of catalogue.Paper before line"),
    "the closing line missing": (lambda lines: lines[:-1], "cut short"),
    "a newer format": (with_header(lambda h: h.update(format_version=2)), "format 2"),
    "not a dump": (with_header(lambda h: h.update(format="csv")), "not a paperwire dump"),
    "a newer paperwire's migrations": (
        with_header(newer_migration),
        "newer paperwire: migration catalogue.9999_from_the_future is unknown here",
    ),
}


@pytest.fixture
def good_dump(db: None, tmp_path: Path) -> Path:
    for n in range(3):
        factories.paper(title=f"Paper {n}")
    factories.account("ada@example.org")
    path = tmp_path / "good.jsonl.gz"
    call_command("dump", str(path), "--no-progress")
    return path


def search_meta(cli: Cli) -> dict[str, str]:
    database = cli.env["PAPERWIRE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        return dict(db.execute("SELECT name, value FROM search_searchmeta").fetchall())


def refused(cli: Cli, path: Path) -> str:
    done = cli("load", str(path), "--no-progress")
    assert done.returncode == 1, done.stdout
    assert done.stderr.count("\n") == 1, done.stderr  # one line, no traceback
    assert done.stdout == ""
    return done.stderr


def test_a_broken_dump_is_refused_in_one_line_and_loads_nothing(
    good_dump: Path, tmp_path: Path, new_end: NewEnd
) -> None:
    end = new_end("sqlite")
    lines = lines_of(good_dump)
    for case, (edit, message) in CASES.items():
        said = refused(end, write(tmp_path / "broken.jsonl.gz", edit(list(lines))))
        assert message in said, case
    not_gzip = tmp_path / "plain.jsonl"
    not_gzip.write_bytes(b"".join(lines))
    assert "not a gzip'd dump" in refused(end, not_gzip)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(good_dump.read_bytes()[:-20])
    assert "cut short" in refused(end, cut)
    assert "no such file" in refused(end, tmp_path / "missing.jsonl.gz")
    # Nothing of any of them was loaded: the database still takes a load without --replace.
    assert end("load", str(good_dump), "--no-progress").returncode == 0


def test_a_database_with_data_is_replaced_only_when_asked(
    good_dump: Path, tmp_path: Path, new_end: NewEnd
) -> None:
    end = new_end("sqlite")
    assert end("load", str(good_dump), "--no-progress").returncode == 0
    assert end("reindex", "--no-progress").returncode == 0  # the indexes take this identity
    identity = search_meta(end)["database_id"]
    said = refused(end, good_dump)
    assert "already holds data (auth.User, catalogue.Paper, " in said
    assert "--replace" in said
    replaced = end("load", str(good_dump), "--replace", "--no-progress")
    assert replaced.returncode == 0, replaced.stderr
    assert "loaded" in replaced.stdout
    # A new database as far as the derived indexes know: the index files built before are
    # refused as stale, and `paperwire reindex` (even --if-needed) rebuilds both from scratch.
    assert search_meta(end) == {"reindex:rebuilding": "keyword index,vector index"}
    assert end("reindex", "--if-needed", "--no-progress").returncode == 0
    assert search_meta(end)["database_id"] != identity
    again = tmp_path / "again.jsonl.gz"
    assert end("dump", str(again), "--no-progress").returncode == 0
    assert (
        orjson.loads(lines_of(again)[0])["counts"] == orjson.loads(lines_of(good_dump)[0])["counts"]
    )


def test_a_dump_from_an_older_paperwire_loads_and_is_migrated_after(
    good_dump: Path, tmp_path: Path, new_end: NewEnd
) -> None:
    """A dump made before library.0002 (which added Reader.feed_key): the database is migrated
    to the dump's state, loaded, then migrated to the code's."""
    lines = lines_of(good_dump)
    header = orjson.loads(lines[0])
    header["migrations"]["library"].remove("0002_reader_feed_key")
    older = [orjson.dumps(header) + b"\n"]
    dropping: int | None = None
    for line in lines[1:]:
        value = orjson.loads(line)
        if isinstance(value, dict) and "model" in value:
            fields = value["fields"]
            dropping = fields.index("feed_key") if value["model"] == "library.Reader" else None
            if dropping is not None:
                value["fields"] = [f for f in fields if f != "feed_key"]
        elif isinstance(value, list) and dropping is not None:
            del value[dropping]
        older.append(orjson.dumps(value) + b"\n")
    end = new_end("sqlite")
    done = end("load", str(write(tmp_path / "older.jsonl.gz", older)), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "older paperwire" in done.stdout
    migrations = end("showmigrations", "library")
    assert "[X] 0002_reader_feed_key" in migrations.stdout


def test_dump_writes_to_standard_output_with_a_dash(good_dump: Path, new_end: NewEnd) -> None:
    end = new_end("sqlite")
    assert end("load", str(good_dump), "--no-progress").returncode == 0
    piped = subprocess.run([str(PAPERWIRE), "dump", "-", "--no-progress"], env=end.env,
                           capture_output=True, timeout=120)  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert gzip.decompress(piped.stdout).splitlines()[1:] == [
        line.rstrip(b"\n") for line in lines_of(good_dump)[1:]
    ]
