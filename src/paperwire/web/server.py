"""How `paperwire serve` runs the site: Granian, its HTTP side on an event loop, Django behind it.

Why not gunicorn's sync workers: a sync worker reads a request's headers itself, so two
clients sending their headers a byte every two seconds held both workers and stalled the whole
site for 15 s. gunicorn's ``gthread`` workers read headers in their threads the same blocking
way. uvicorn workers over Django's ASGI handler resist slow clients too, but send every request
(and every chunk of a static file) through asgiref's thread hop: they answered cached pages
and static files slower than the sync workers did, and 4–13× slower than Granian.

Granian reads requests and writes answers in Rust, on an event loop in each worker process:
a slow client costs a socket and a little memory, never a worker. A request reaches Django
(WSGI, unchanged) only once its headers and body have arrived; the answer is handed back to
the loop to send, however slowly the client reads it. Headers not complete in
``HEADER_READ_TIMEOUT_MS`` close the connection. docs/site.md has the measurements.
"""

from __future__ import annotations

from django.db import connections
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.server import MPServer

APPLICATION = "paperwire.wsgi:application"
# Long enough for a real client on a poor link (headers travel in one or two packets), short
# enough that a slow-header client's socket is not kept for long.
HEADER_READ_TIMEOUT_MS = 10_000
# One request at a time per worker process, as with the sync workers before: the search
# engines' and embedding model's per-process state was built for that, and CPU-bound pages
# gain nothing from more Python threads. Slow clients wait in the event loop, not here.
BLOCKING_THREADS = 1
# A worker stopping (SIGTERM, SIGINT) finishes its requests in flight for up to this long.
GRACEFUL_SECONDS = 10


def server(host: str, port: int, workers: int) -> MPServer:
    """The configured server; ``.serve()`` runs it until SIGTERM or SIGINT."""
    return MPServer(
        APPLICATION,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        websockets=False,  # WSGI has none; saying so keeps a notice out of the log
        workers=workers,
        blocking_threads=BLOCKING_THREADS,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        log_access=True,
        workers_kill_timeout=GRACEFUL_SECONDS,
        # A worker that dies (out of memory, a crash in native code) is started again.
        respawn_failed_workers=True,
    )


def run(host: str, port: int, workers: int) -> None:
    """Serve until SIGTERM or SIGINT (what `paperwire serve` does once the schema is ready)."""
    # The workers are forked from this process: a database connection it opened (the schema
    # check) would be inherited by every worker and shared between them. Each opens its own.
    connections.close_all()
    server(host, port, workers).serve()
