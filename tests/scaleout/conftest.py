"""Several nodes against one PostgreSQL database and one Redis: the processes, started once.

``cluster`` starts, as real processes, what docs/operations.md runs on two machines: two web
nodes (``paperwire serve``, each with its own data and index directory and its follower), two
``paperwire worker``s and ``paperwire embed --loop``, all sharing a fresh PostgreSQL database,
the page cache and task queue in one Redis database (``REDIS_URL``, emptied before and after),
and a real SMTP server (aiosmtpd, ``tests.digests.conftest.SmtpSink``). Before they start, node
A's environment imports a real Hugging Face day (``tests.factories.real_day_with_subscribers``)
with daily and weekly subscribers.

Every process runs in a session of its own, so one ``killpg`` ends it with its children (a
server's worker processes, its follower); whatever a test did, every process group is killed,
the database dropped and Redis emptied when the module ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller

from paperwire.search.backends.replica import BUILDING_KEYWORDS
from tests.commands.test_killable import Scratch
from tests.commands.test_serve import free_port
from tests.conftest import PAPERWIRE, POSTGRES_SERVER, Cli
from tests.digests.conftest import SmtpSink, _free_port
from tests.factories import real_day_with_subscribers

# A database of the machine's Redis that no other test uses (tests/web and tests/digests take
# 14 and 15). The page cache and the task queue share it, as in docs/operations.md's setup.
REDIS_URL = "redis://127.0.0.1:6379/13"
# Seconds between a follower's rounds: the default is 10; 2 keeps the test quick.
FOLLOW_SECONDS = 2
# The deadline issue 14 sets for a paper imported on one node to be found on another; used
# for every wait here. A bound, not a timing: when things work each wait ends in seconds.
DEADLINE = 60.0
DAILY_READERS = [f"daily{n:03d}@example.org" for n in range(300)]
WEEKLY_READERS = [f"weekly{n:03d}@example.org" for n in range(150)]

T = TypeVar("T")


@dataclass
class Process:
    """A paperwire command running in its own session, its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 30) -> str:
        return f"--- {self.name} (pid {self.pid}) ---\n" + "\n".join(
            self.output().splitlines()[-lines:]
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: the command and every child it started."""
        with contextlib.suppress(ProcessLookupError):  # the group is gone already
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        # The children too (a server's workers hold its listening socket until they are gone).
        deadline = time.monotonic() + 10
        while _group_members(self.popen.pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _group_members(group: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its ")"
            state, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # the process ended while being read
        if int(pgrp) == group and state != "Z":
            members.append(int(stat.parent.name))
    return members


def start(cli: Cli, name: str, *args: str, home: Path) -> Process:
    log = home / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [str(PAPERWIRE), *args],
            env=cli.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # A group of its own: one killpg ends the server with its workers and follower.
            start_new_session=True,
        )
    return Process(name, popen, log)


@dataclass
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One HTTP request; an error status is an answer too. A refused connection raises."""
    method = "POST" if data is not None else "GET"
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode(errors="replace"))


@dataclass
class Node:
    """A web node: `paperwire serve` with its own data and index directory."""

    name: str
    cli: Cli
    port: int
    process: Process | None = None

    @property
    def index_dir(self) -> Path:
        return Path(self.cli.env["PAPERWIRE_DATA_DIR"]) / "index"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> Answer:
        return request(self.url(path))

    def search(self, query: str, mode: str = "lexical") -> dict[str, Any]:
        """The JSON API's answer (never cached), with the ids found."""
        params = urllib.parse.urlencode({"q": query, "mode": mode, "limit": 20})
        answer = self.get(f"/api/search?{params}")
        assert answer.status == 200, answer.body
        found: dict[str, Any] = answer.json()
        found["ids"] = [paper["id"] for paper in found["results"]]
        return found


@dataclass
class Cluster:
    a: Node
    b: Node
    smtp: SmtpSink
    db: Scratch
    home: Path
    day: str  # the imported Hugging Face day, the period of the digests
    workers: list[Process] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)  # every one started, to kill

    def logs(self, processes: Sequence[Process] | None = None) -> str:
        return "\n".join(process.tail() for process in processes or self.processes)

    def eventually(
        self, check: Callable[[], T | None], what: str, show: Sequence[Process] | None = None
    ) -> T:
        """Poll ``check`` until it returns something true, for at most ``DEADLINE`` seconds;
        else fail saying ``what`` was awaited, with the last lines of the processes in
        ``show`` (default: all)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"not within {DEADLINE:.0f} s: {what}\n{self.logs(show)}")
            time.sleep(0.25)

    def queue(self, call: str) -> None:
        """Put a task on the shared queue, as the schedule or an operator does: ``call`` is
        a Python call of a Huey task, run in a `paperwire shell` with node B's environment."""
        shell = self.b.cli("shell", "-c", call)
        assert shell.returncode == 0, shell.stderr


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[redis.Redis]:
    """The Redis database of the page cache and the queue, empty before and after."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis at {REDIS_URL} cannot be reached: {exc}")
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped at the end."""
    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {POSTGRES_SERVER} cannot be reached: {exc}")
    name = f"pw_scaleout_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    """``SmtpSink`` for the whole module: the workers read the mail server's address once, at
    start. (tests/digests' ``smtp_server`` lives for one test and points the test process's
    Django settings at its sink; the processes here need neither.)"""
    sink = SmtpSink()
    for _ in range(5):  # another process may take the free port between probe and bind
        sink.port = _free_port()
        controller = Controller(sink, hostname=sink.host, port=sink.port)
        try:
            controller.start()
        except (OSError, RuntimeError):
            controller.stop(no_assert=True)
            continue
        break
    else:
        pytest.fail("could not start the SMTP sink on 127.0.0.1")
    try:
        yield sink
    finally:
        controller.stop()


def _environment(database_url: str, smtp: SmtpSink, data_dir: Path) -> Cli:
    data_dir.mkdir(parents=True)
    # The schedule's hours are put half a day away, so the hourly check a worker runs at the
    # top of the hour never starts a harvest or a digest run of its own during the test.
    away = str((dt.datetime.now(dt.UTC).hour + 12) % 24)
    return Cli(
        {
            **os.environ,
            "PAPERWIRE_DATA_DIR": str(data_dir),
            "PAPERWIRE_DATABASE_URL": database_url,
            "PAPERWIRE_CACHE_URL": REDIS_URL,
            "PAPERWIRE_QUEUE_URL": REDIS_URL,
            "PAPERWIRE_SECRET_KEY": "one-key-for-every-node-of-the-scaleout-test",
            # Each node's own indexes, whatever the run's environment chose.
            "PAPERWIRE_SEARCH_BACKEND": "index",
            "PAPERWIRE_INDEX_FOLLOW_SECONDS": str(FOLLOW_SECONDS),
            # Imports embed nothing themselves: `paperwire embed --loop` does, as in production.
            "PAPERWIRE_EMBED_INLINE_MAX": "0",
            "PAPERWIRE_QUERY_THREADS": "1",
            "PAPERWIRE_SMTP_URL": f"smtp://{smtp.host}:{smtp.port}",
            # Each sender's pace: a run of 150 digests takes seconds, time to kill it mid-way.
            "PAPERWIRE_MAIL_RATE": "30",
            # Long enough that only an invalidation, never an expiry, can change a cached page
            # while a test looks at it.
            "PAPERWIRE_PAGE_CACHE_SECONDS": "300",
            "PAPERWIRE_DIGEST_HOUR": away,
            "PAPERWIRE_HARVEST_HOUR": away,
            "PAPERWIRE_HARVEST_CATEGORIES": "",
            "PAPERWIRE_ARXIV_REQUEST_INTERVAL": "0",
            "PAPERWIRE_LOG_LEVEL": "INFO",
        }
    )


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    shared_redis: redis.Redis,
    smtp: SmtpSink,
) -> Iterator[Cluster]:
    home = tmp_path_factory.mktemp("scaleout")
    a = Node("A", _environment(database_url, smtp, home / "a" / "data"), free_port())
    b = Node("B", _environment(database_url, smtp, home / "b" / "data"), free_port())
    background = _environment(database_url, smtp, home / "background" / "data")
    # The schema once, from one machine, before anything starts (docs/operations.md).
    migrated = a.cli("migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    rows = "".join(f"{p},daily,\n" for p in DAILY_READERS) + "".join(
        f"{p},weekly,\n" for p in WEEKLY_READERS
    )
    day = real_day_with_subscribers(a.cli, home, rows)

    cluster = Cluster(a, b, smtp, Scratch(database_url), home, day)
    try:
        for node in (a, b):
            node.process = start(
                node.cli, f"serve-{node.name}", "serve", "--port", str(node.port),
                "--workers", "1", home=home,
            )  # fmt: skip
            cluster.processes.append(node.process)
        for n in (1, 2):
            # One thread each: the two runs the schedules queue at once go one to each worker.
            worker = start(
                background, f"worker-{n}", "worker", "--workers", "1", "--no-harvest", home=home
            )
            cluster.workers.append(worker)
            cluster.processes.append(worker)
        embed = start(
            background, "embed", "embed", "--loop", "--interval", "1", "--threads", "1",
            "--no-progress", home=home,
        )  # fmt: skip
        cluster.processes.append(embed)
        _wait_until_ready(cluster)
        yield cluster
    finally:
        for process in cluster.processes:
            process.kill()
        cluster.db.close()


def _wait_until_ready(cluster: Cluster) -> None:
    """Both nodes answer, B from its own keyword index (built by its follower), and both
    workers are taking tasks."""

    def answers(node: Node) -> bool:
        assert node.process is not None
        assert node.process.alive(), cluster.logs()
        try:
            return node.get("/healthz").status in (200, 503)
        except OSError:
            return False

    for node in (cluster.a, cluster.b):
        cluster.eventually(functools.partial(answers, node), f"node {node.name} answers")
    cluster.eventually(
        lambda: BUILDING_KEYWORDS not in cluster.b.search("paper")["notes"],
        "node B searches its own keyword index",
    )

    def started(worker: Process) -> bool:
        assert worker.alive(), cluster.logs()
        return "periodic tasks:" in worker.output()

    for worker in cluster.workers:
        cluster.eventually(functools.partial(started, worker), f"{worker.name} has started")
