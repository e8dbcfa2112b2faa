"""A real HTTP server on 127.0.0.1 that answers with recorded responses.

Network sources are tested against it: the client code under test speaks real HTTP to a real
socket, only the far end is a recording. Routes are matched on the path and query parameters;
every request is kept so tests can check what was asked and how often.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/xml"})
    delay: float = 0.0  # seconds to stall before answering (time-out tests)


@dataclass
class Request:
    path: str
    params: dict[str, str]
    at: float


Responder = Callable[[Request], Reply | None]


class ReplayServer:
    """``with ReplayServer() as server: server.route(...); server.url`` ..."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: list[tuple[str, dict[str, str], Reply | Responder | list[Reply]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                request = Request(parts.path, dict(parse_qsl(parts.query)), time.monotonic())
                outer.requests.append(request)
                reply = outer._answer(request)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a time-out test): nothing to do

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, path: str, reply: Reply | Responder | list[Reply], **params: str) -> None:
        """Answer GETs of ``path`` whose query includes ``params``.

        A list of replies is served in order, the last one repeating.
        """
        self._routes.append((path, params, reply))

    def _answer(self, request: Request) -> Reply:
        for path, params, reply in self._routes:
            if path != request.path:
                continue
            if any(request.params.get(k) != v for k, v in params.items()):
                continue
            if isinstance(reply, Reply):
                return reply
            if isinstance(reply, list):
                return reply.pop(0) if len(reply) > 1 else reply[0]
            answered = reply(request)
            if answered is not None:
                return answered
        return Reply(404, b"no recorded response for this request", {"Content-Type": "text/plain"})

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve() -> Iterator[ReplayServer]:
    """For a pytest fixture: ``server = pytest.fixture(serve)``."""
    with ReplayServer() as server:
        yield server


class Endpoint:
    """One test's own path on a shared replay server.

    A server per test would cost half a second each: ``ReplayServer`` shuts down at
    ``serve_forever``'s 0.5 s poll. Giving every test its own path keeps tests apart instead.
    """

    def __init__(self, server: ReplayServer, path: str) -> None:
        self.server = server
        self.path = path
        self.url = server.url + path

    def route(self, reply: Reply | Responder | list[Reply], **params: str) -> None:
        self.server.route(self.path, reply, **params)

    @property
    def requests(self) -> list[Request]:
        return [r for r in self.server.requests if r.path == self.path]
