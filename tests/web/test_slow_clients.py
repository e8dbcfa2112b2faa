"""Slow clients cannot hold the server: a real server process (paperwire.web.server's
configuration, 2 workers as `paperwire serve` starts it) keeps answering pages while clients
trickle their headers or bodies a byte at a time over real sockets."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.commands.test_serve import free_port
from tests.conftest import Cli, shared

# What `paperwire serve` does: Django set up, the schema checked (a connection open), then
# paperwire.web.server.run with the default 2 workers.
SERVE = (
    "import sys, django; django.setup(); from paperwire.db import ensure_schema; ensure_schema(); "
    "from paperwire.web.server import run; run('127.0.0.1', int(sys.argv[1]), 2)"
)


@pytest.fixture
def served(cli: Cli) -> Iterator[int]:
    kaggle = shared("arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl")
    assert cli("import", "kaggle", str(kaggle), "--no-progress").returncode == 0
    port = free_port()
    env = {**cli.env, "DJANGO_SETTINGS_MODULE": "paperwire.settings"}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "the server did not answer in 60 s"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _trickle(port: int, data: bytes, stop: threading.Event) -> None:
    """Send ``data`` one byte at a time, a byte every half second, until told to stop."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for byte in data:
            if stop.wait(0.5):
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:  # the server may hang up on a client this slow: that is fine
                return


def test_pages_are_answered_while_slow_clients_hold_connections(served: int) -> None:
    port = served
    slow_headers = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + b"s" * 200
    slow_body = (
        b"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
        + b"e"
        * 200
    )
    stop = threading.Event()
    # Two slow clients per worker: enough to hold every worker of a server that reads
    # requests in its workers (gunicorn's sync workers held all of them here).
    clients = [
        threading.Thread(target=_trickle, args=(port, data, stop), daemon=True)
        for data in (slow_headers, slow_headers, slow_body, slow_body)
    ]
    for client in clients:
        client.start()
    try:
        time.sleep(2)  # every slow client is connected and part-way through its request
        for path in ("/", "/trending", "/papers/0704.0200", "/static/web/site.css"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                assert answer.status == 200, path
                assert answer.read(), path
        assert all(client.is_alive() for client in clients), "a slow client gave up early"
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)
