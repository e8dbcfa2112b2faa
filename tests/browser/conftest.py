"""A real paperwire server, a real SMTP server and Debian's Chromium, for end-to-end tests.

The server is `paperwire serve` in a child process on its own data directory, holding real
Hugging Face daily papers; sign-in codes travel through aiosmtpd on 127.0.0.1; Playwright
drives /usr/bin/chromium headless. Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PAPERWIRE, shared
from tests.replay import ReplayServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DAYS = ("2026-08-20", "2026-08-21")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for_link(self, to: str, path: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if to in str(message["To"]):
                    match = re.search(rf"https?://\S+{re.escape(path)}\S+", _text(message))
                    if match:
                        return match.group(0)
            time.sleep(0.1)
        raise AssertionError(f"no link to {path} reached {to}")

    def wait_for_code(self, to: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if to in str(message["To"]):
                    body = _text(message)
                    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[0-9]{6})\s*$", body, re.M)
                    if match:
                        return match.group(1)
            time.sleep(0.1)
        bodies = [_text(m) for m in self.messages]
        raise AssertionError(f"no sign-in code reached {to}: {bodies}")


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            return payload.decode() if isinstance(payload, bytes) else ""
    return ""


@dataclass
class Site:
    url: str
    mailbox: Mailbox
    arxiv: ReplayServer
    env: dict[str, str]  # the server's environment: commands run against its database


@contextmanager
def running_site(folder: Path, **settings: str) -> Iterator[Site]:
    """Real papers of DAYS imported into a new data folder and served by `paperwire serve`,
    mail going to aiosmtpd and arXiv to a replay server; ``settings`` add to its environment."""
    from aiosmtpd.controller import Controller

    daily = folder / "daily"
    daily.mkdir()
    for day in DAYS:
        shutil.copy(shared(f"hf-daily-papers/daily/{day}.json.gz"), daily)
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    arxiv = ReplayServer()
    arxiv.__enter__()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(folder),
        "PAPERWIRE_DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "PAPERWIRE_SMTP_URL": f"smtp+plain://127.0.0.1:{smtp.port}",
        "PAPERWIRE_ARXIV_API_URL": f"{arxiv.url}/api/query",
        "PAPERWIRE_ARXIV_REQUEST_INTERVAL": "0",
        "PAPERWIRE_CACHE_URL": "file",
        "PAPERWIRE_PAGE_CACHE_SECONDS": "0",
        "PAPERWIRE_BASE_URL": url,
        **settings,
    }
    env.pop("PAPERWIRE_DEBUG", None)
    server: subprocess.Popen[str] | None = None
    try:
        imported = subprocess.run(
            [str(PAPERWIRE), "import", "hf-daily", str(daily), "--no-progress"],
            env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert imported.returncode == 0, imported.stderr
        server = subprocess.Popen(
            [str(PAPERWIRE), "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        _wait_until_up(url, server)
        yield Site(url, mailbox, arxiv, env)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        smtp.stop()
        arxiv.__exit__(None, None, None)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make install installs it)")
    # Pages only: no embedding at import (the worker's job), so the site starts quickly.
    with running_site(
        tmp_path_factory.mktemp("site"),
        PAPERWIRE_EMBED_INLINE_MAX="0",
        # The shared site's papers are from the suite's 2025 days; the age rule has its tests.
        PAPERWIRE_SUBMISSION_MAX_AGE_DAYS="36500",
    ) as live:
        yield live


def _wait_until_up(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"the server stopped: {server.stdout.read() if server.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/static/web/site.css", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 60 s")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make install installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread from here to the end of
    # the session, so Django would take every later query of any test (pytest-django runs the
    # transactional ones last) for one made from async code. They are plain synchronous
    # queries: say so for as long as the loop lives.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.problems = problems
    yield opened
    context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
