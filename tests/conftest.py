from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import connection
from pytest_django.fixtures import Settings

from paperwire.search.backends import SearchBackend, get_backend, reset_backend
from tests.replay import ReplayServer

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PAPERWIRE = Path(sys.executable).with_name("paperwire")


def shared(relative: str) -> Path:
    """A path in ../shared/data; the test is skipped, saying why, if it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Cached pages and rate-limit counters never leak from one test into another."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _empty_queue() -> None:
    """Tasks a test queued (a retrain after a committed signal, say) never count in the next
    test's queue depth: the queue is a file that outlives the test's transaction."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()


@pytest.fixture(autouse=True)
def _papers_numbered_from_one() -> None:
    """A made-up paper id is the same whatever ran before (see tests.factories.paper)."""
    from tests.factories import restart_numbering

    restart_numbering()


# Two readers, for what one may and may not see or do of the other's.
@pytest.fixture
def alice(db: None) -> User:
    from tests.factories import account  # here: tests.factories imports this module

    return account("alice@example.org")


@pytest.fixture
def bob(db: None) -> User:
    from tests.factories import account  # here: tests.factories imports this module

    return account("bob@example.org")


@pytest.fixture
def backend(settings: Settings, tmp_path: Path, db: None) -> Iterator[SearchBackend]:
    """The backend ``get_backend()`` picks, with nothing indexed yet.

    SQLite: index files under this test's tmp_path. PostgreSQL: the derived vector table is
    dropped inside the test's transaction (so the test starts without one, and the drop is
    rolled back with everything else).
    """
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    reset_backend()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS search_pgvector, search_pgvector_build")
    yield get_backend()
    reset_backend()


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


@dataclass
class Cli:
    """Runs the real `paperwire` console script in a child process against its own database."""

    env: dict[str, str]

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PAPERWIRE), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(PAPERWIRE), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of the kind the suite runs on, for child processes to share."""
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        name = f"pw_scratch_{uuid.uuid4().hex[:12]}"
        admin = psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            dbname="postgres",
            autocommit=True,
        )
        admin.execute(f'CREATE DATABASE "{name}"')
        user = settings["USER"] or ""
        host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        # pgserver's server listens on a socket directory: a URL carries that path encoded.
        yield f"postgres://{user}@{quote(str(host), safe='')}:{port}/{name}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"


@pytest.fixture
def cli(scratch_database_url: str, tmp_path: Path) -> Cli:
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(tmp_path / "data"),
        "PAPERWIRE_DATABASE_URL": scratch_database_url,
        "PAPERWIRE_ARXIV_REQUEST_INTERVAL": "0",
        # Imports embed nothing inline unless a test asks: keeps the suite quick.
        "PAPERWIRE_EMBED_INLINE_MAX": "0",
    }
    return Cli(env)


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
