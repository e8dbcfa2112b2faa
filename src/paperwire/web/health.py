"""Whether this node can serve: the checks behind ``/healthz`` (and the gauges of ``/metrics``).

Each check says ``ok``, ``degraded`` or ``down``. A node is taken out of a load balancer's
rotation (503) only when a *fatal* check is down:

- ``database``: no page can be served without it;
- ``cache``: pages, rate limits and sign-in read and write it on every request;
- ``queue``: pages that change a reader's signals, subscriptions and sign-ups queue tasks.

The search checks are never fatal: without a keyword or vector index a node still serves
every page, feed and API answer but search, and says so on the search page, so it is
``degraded``; taking every node out because they share a missing index would take the whole
site down. ``index`` reports how far the indexes are behind the catalogue (papers waiting for
the keyword index, for a vector, for the vector index), ``model`` whether the embedding model
loads.

The database, cache and queue are asked on every probe (one cheap round trip each). The index
and model checks count papers or load a model, so their answers are kept ``SLOW_SECONDS`` in
the process. A probe's answer holds states, counts and short reasons, never an address, a
path or a reader's data; the full error goes to the log.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.db import connection

log = logging.getLogger(__name__)

State = Literal["ok", "degraded", "down"]
FATAL = ("database", "cache", "queue")
# How long the index and model checks' answers are reused: a load balancer probing every
# few seconds, per node and worker process, costs one count of the catalogue per interval.
SLOW_SECONDS = 15.0


@dataclass
class Check:
    state: State
    fatal: bool = False
    detail: str = ""
    numbers: dict[str, int | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        answer = {k: v for k, v in asdict(self).items() if v not in ("", {})}
        return answer


@dataclass
class Health:
    checks: dict[str, Check]

    @property
    def serving(self) -> bool:
        """False when a fatal check is down: the node cannot serve."""
        return not any(c.fatal and c.state == "down" for c in self.checks.values())

    @property
    def state(self) -> State:
        if not self.serving:
            return "down"
        return "ok" if all(c.state == "ok" for c in self.checks.values()) else "degraded"

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.state,
            "checks": {name: c.as_dict() for name, c in self.checks.items()},
        }


def _failure(name: str, exc: BaseException) -> Check:
    # The exception's text may name a host, a port or a path: the log has it, the answer not.
    log.warning("health check %s failed: %s: %s", name, type(exc).__name__, exc)
    return Check("down", fatal=name in FATAL, detail=f"unreachable ({type(exc).__name__})")


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Check("ok", fatal=True)


def check_cache() -> Check:
    # A key of its own per probe: two nodes probing at once cannot read each other's value.
    key, value = f"paperwire:healthz:{uuid.uuid4().hex}", "1"
    cache.set(key, value, timeout=30)
    found = cache.get(key)
    cache.delete(key)
    if found != value:
        return Check("down", fatal=True, detail="a value written could not be read back")
    return Check("ok", fatal=True)


def queue_depth() -> tuple[int, int]:
    """Tasks waiting to run now, and tasks scheduled for later (retries, delayed tasks)."""
    from huey.contrib.djhuey import HUEY

    return int(HUEY.pending_count()), int(HUEY.scheduled_count())


def check_queue() -> Check:
    pending, scheduled = queue_depth()
    return Check("ok", fatal=True, numbers={"pending": pending, "scheduled": scheduled})


@dataclass(frozen=True)
class IndexLag:
    papers: int  # visible papers in the catalogue
    keyword_waiting: int | None  # not yet in the keyword index (None: no keyword index)
    vector_waiting: int | None  # without a current vector (None: nothing embedded yet)
    vector_index_waiting: int | None  # embedded but not yet in the vector index
    vectors: int  # in this node's vector index
    problems: tuple[str, ...]


CATALOGUE_KEY = "paperwire:health:catalogue"


def _catalogue_counts() -> tuple[int, int | None]:
    """Visible papers, and those with a current vector (None: nothing embedded yet).

    Counting what is embedded scans the catalogue (a second at a million papers), the same
    answer for every node: kept ``SLOW_SECONDS`` in the shared cache, so the probes of every
    node and process together count it once per interval."""
    from paperwire.catalogue.models import Paper
    from paperwire.search import embedding_progress

    try:
        kept = cache.get(CATALOGUE_KEY)
    except Exception:  # the cache check reports the cache; the index check still answers
        kept = None
    if kept is not None:
        papers, embedded = kept
        return int(papers), embedded
    progress = embedding_progress() if settings.SEMANTIC else None
    papers = progress.total if progress is not None else Paper.objects.visible().count()
    counts = (papers, None if progress is None else progress.embedded)
    with contextlib.suppress(Exception):  # as above: counted again next time, nothing lost
        cache.set(CATALOGUE_KEY, counts, timeout=SLOW_SECONDS)
    return counts


def forget_counts() -> None:
    cache.delete(CATALOGUE_KEY)


def index_lag() -> IndexLag:
    """How far the search indexes are behind the catalogue."""
    from paperwire.search import get_backend

    status = get_backend().status()  # this node's indexes: cheap (their sizes)
    papers, embedded = _catalogue_counts()
    keyword = (
        None if status.lexical_documents is None else max(0, papers - status.lexical_documents)
    )
    vector = None if embedded is None else max(0, papers - embedded)
    in_index = None if embedded is None else max(0, embedded - status.vectors)
    return IndexLag(papers, keyword, vector, in_index, status.vectors, tuple(status.problems))


def check_index() -> Check:
    lag = index_lag()
    numbers: dict[str, int | None] = {
        "papers": lag.papers,
        "keyword_waiting": lag.keyword_waiting,
        "vector_waiting": lag.vector_waiting,
        "vector_index_waiting": lag.vector_index_waiting,
    }
    if lag.keyword_waiting is None:
        return Check("degraded", detail="no keyword index: search is unavailable", numbers=numbers)
    if settings.SEMANTIC and (lag.problems or (lag.papers and not lag.vectors)):
        return Check("degraded", detail="keyword search only: no vector index", numbers=numbers)
    return Check("ok", numbers=numbers)


def check_model() -> Check:
    from paperwire.search import EmbedderUnavailable, get_embedder

    if not settings.SEMANTIC:
        return Check("ok", detail="semantic search is switched off")
    try:
        # Loaded once per process (the search page loads it too); a failure is retried only
        # when this check's answer expires.
        get_embedder()
    except EmbedderUnavailable as exc:
        log.warning("health check model: %s", exc)
        return Check("degraded", detail="the embedding model does not load: keyword search only")
    return Check("ok")


class _Remembered:
    """A check's answer, reused for ``seconds`` in this process."""

    def __init__(self, check: Callable[[], Check], seconds: float) -> None:
        self._check, self._seconds = check, seconds
        self._lock = threading.Lock()
        self._answer: Check | None = None
        self._at = 0.0

    def __call__(self) -> Check:
        with self._lock:
            if self._answer is None or time.monotonic() - self._at > self._seconds:
                self._answer = self._check()
                self._at = time.monotonic()
            return self._answer

    def forget(self) -> None:
        with self._lock:
            self._answer = None


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
    "index": _Remembered(check_index, SLOW_SECONDS),
    "model": _Remembered(check_model, SLOW_SECONDS),
}


def forget() -> None:
    """Drop the remembered answers (tests that change what the checks see)."""
    forget_counts()
    for check in CHECKS.values():
        if isinstance(check, _Remembered):
            check.forget()


def health() -> Health:
    checks: dict[str, Check] = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # any failure of a dependency is this check's answer
            checks[name] = _failure(name, exc)
    return Health(checks)
