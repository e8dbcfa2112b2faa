"""Prometheus metrics: what every process counts, summed over the server's worker processes.

``paperwire serve`` answers with several worker processes (web/server.py), and a scrape of
``/metrics`` reaches one of them. prometheus-client's multiprocess mode makes the counts
right: each process writes its counters and histograms to memory-mapped files in one folder,
and the process that answers a scrape sums every file there. That folder must be chosen
before ``prometheus_client`` is first imported (it picks its storage at import time), so this
module sets the folder before it imports it, and makes every metric.

The folder is ``$PAPERWIRE_DATA_DIR/metrics/<server pid>``: the workers of one server share
their parent's (this module is imported by the first request a worker answers, never by the
server's own process: see web/ops.py), so a restarted server starts from zero (Prometheus
reads a counter that went down as a restart) and never sums the files of a server that is
gone; folders of servers no longer running are removed by the next one. Numbers read from the
database or the queue at scrape time (index lag, queue depth, digests) are not counted here:
web/ops.py collects them.

Only counters and histograms are kept here (their sum over processes is the truth); a value
that is a state of the whole node is a gauge read when scraped, never a per-process gauge.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

ENV = "PROMETHEUS_MULTIPROC_DIR"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _prepare_folder() -> Path:
    """This server's folder, made; the folders of servers that are gone, removed."""
    # Always chosen here, never taken from the environment: a process that imported this
    # module exports the variable to its children (a test's servers, a command's), which must
    # not write into their parent's folder.
    base = Path(settings.DATA_DIR) / "metrics"
    # A worker's parent is the server; a lone process (a test, `manage runserver`) uses its
    # parent too, which is harmless: it is the only writer there.
    server = os.getppid()
    folder = base / str(server)
    folder.mkdir(parents=True, exist_ok=True)
    for other in base.iterdir():
        if other.name.isdigit() and int(other.name) != server and not _alive(int(other.name)):
            shutil.rmtree(other, ignore_errors=True)  # a sibling worker may be removing it too
    os.environ[ENV] = str(folder)
    return folder


FOLDER = _prepare_folder()

from prometheus_client import (  # noqa: E402  # only once the folder is set (see above)
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402
from prometheus_client.registry import Collector  # noqa: E402

# The storage is chosen when prometheus_client is first imported, which something else may
# have done before this module set the folder (a test reading the text with its parser).
# Chosen again here, before the first metric is made, as prometheus_client requires.
values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]

# A page is milliseconds when cached and up to a few seconds for a big search or export.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Not registered with the default registry: a scrape builds its own (see ``exposition``).
REQUESTS = Counter(
    "paperwire_http_requests",
    "Requests answered, by route name, method and status code.",
    ["view", "method", "status"],
    registry=None,
)
REQUEST_SECONDS = Histogram(
    "paperwire_http_request_duration_seconds",
    "Time to answer a request, by route name.",
    ["view"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)
SEARCH_SECONDS = Histogram(
    "paperwire_search_duration_seconds",
    "Time to answer a search (site page, search feed or API), by mode asked: lexical "
    "(keywords), semantic or hybrid. Anonymous pages answered from the page cache included.",
    ["mode", "view"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)


def exposition(extra: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text a scrape reads: every process's counters summed, then ``extra`` collectors
    (read now, in this process). Returns the body and its content type."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(FOLDER))  # type: ignore[no-untyped-call]
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST
