"""Loaded with `-p tests.isolation` before pytest-django reads the settings.

Tests never write into the user's real data directory (the secret key, databases): unless
the caller chose one, the whole run gets a temporary PAPERWIRE_DATA_DIR.

PostgreSQL with pgvector: with ``PAPERWIRE_TEST_PGVECTOR=1`` (``make test-pgvector``) and no
PAPERWIRE_DATABASE_URL of the caller's, the run starts a private PostgreSQL from the
``pgserver`` wheel (it bundles pgvector; the system's PostgreSQL may not have it) in a
temporary directory, points PAPERWIRE_DATABASE_URL at its unix socket, and stops it and
removes the directory when the run ends. pytest-django then creates its test database there.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import warnings
from urllib.parse import parse_qs, quote, urlsplit

os.environ.setdefault("PAPERWIRE_DATA_DIR", tempfile.mkdtemp(prefix="paperwire-test-"))
# One process's memory: each test starts with an empty cache (tests/conftest.py clears it).
os.environ.setdefault("PAPERWIRE_CACHE_URL", "memory")


def _start_pgvector_server() -> str:
    """Start pgserver; return a URL dj-database-url reads as a unix-socket connection."""
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (containers, CI) and falls back
        # to /tmp, which is what pgserver's lock file wants anyway.
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server  # only this opt-in path needs it

    pgdata = tempfile.mkdtemp(prefix="paperwire-pg-")
    # atexit runs last-registered first: pgserver's own stop handler (registered by
    # get_server) runs before this removes its files.
    atexit.register(shutil.rmtree, pgdata, ignore_errors=True)
    server = get_server(pgdata, cleanup_mode="stop")
    # get_uri() is "postgresql://postgres:@/postgres?host=<socket dir>"; dj-database-url
    # takes a socket directory as a percent-encoded host instead.
    uri = urlsplit(server.get_uri())
    socket_dir = parse_qs(uri.query)["host"][0]
    user = uri.username or "postgres"
    return f"postgres://{user}@{quote(socket_dir, safe='')}{uri.path or '/postgres'}"


if os.environ.get("PAPERWIRE_TEST_PGVECTOR") == "1" and not os.environ.get(
    "PAPERWIRE_DATABASE_URL"
):
    os.environ["PAPERWIRE_DATABASE_URL"] = _start_pgvector_server()
