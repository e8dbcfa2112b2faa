from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli

# The PostgreSQL server a move goes to or comes from when the suite itself runs on SQLite
# (and its databases are made here): a server URL without a database name.
POSTGRES_SERVER = os.environ.get(
    "PAPERWIRE_TEST_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432"
)

NewEnd = Callable[[str], Cli]


@pytest.fixture
def new_end(tmp_path: Path) -> Iterator[NewEnd]:
    """Makes an empty instance of the vendor asked for (its own database and data directory)
    and returns a Cli for it. PostgreSQL databases are dropped afterwards; a test that needs
    PostgreSQL is skipped, saying why, when the server cannot be reached."""
    import psycopg

    made: list[str] = []
    admin: psycopg.Connection[object] | None = None

    def make(vendor: str) -> Cli:
        nonlocal admin
        n = len(list(tmp_path.glob("end-*"))) + 1
        home = tmp_path / f"end-{n}"
        # The data directory is made here: with PAPERWIRE_SECRET_KEY given, nothing in
        # paperwire makes it before Huey opens its queue file in it.
        (home / "data").mkdir(parents=True)
        if vendor == "sqlite":
            url = f"sqlite:///{home / 'paperwire.sqlite3'}"
        else:
            if admin is None:
                try:
                    admin = psycopg.connect(
                        f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3
                    )
                except psycopg.OperationalError as exc:
                    pytest.skip(f"PostgreSQL at {POSTGRES_SERVER} cannot be reached: {exc}")
            name = f"pw_moving_{uuid.uuid4().hex[:12]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            made.append(name)
            url = f"{POSTGRES_SERVER}/{name}"
        return Cli(
            {
                **os.environ,
                "PAPERWIRE_DATA_DIR": str(home / "data"),
                "PAPERWIRE_DATABASE_URL": url,
                "PAPERWIRE_CACHE_URL": "memory",
                "PAPERWIRE_EMBED_INLINE_MAX": "0",
                # Pages hold signed addresses (feeds, shared collections): both ends sign alike.
                "PAPERWIRE_SECRET_KEY": "the-same-key-at-both-ends-of-the-move",
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            }
        )

    yield make
    if admin is not None:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
