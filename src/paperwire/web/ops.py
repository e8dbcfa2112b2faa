"""What load balancers and monitoring read: ``/healthz``, ``/metrics``, and the middleware
that counts requests (docs/operations.md says what each number means and what to watch).

Neither answer is ever cached (web/caching.py caches only the views it decorates, and both
say ``Cache-Control: no-store``), and neither holds a reader's data: ``/healthz`` gives
states and counts, ``/metrics`` counts by route name, never by address or account.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from paperwire.ratelimit import client_address
from paperwire.web.health import SLOW_SECONDS, health, index_lag, queue_depth

log = logging.getLogger(__name__)

# The routes that run a search, and so also count in the search histogram.
SEARCH_VIEWS = frozenset({"search", "feed-search-rss", "feed-search-atom", "api:search_papers"})
SEARCH_MODES = ("hybrid", "lexical", "semantic")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when this node can serve (possibly degraded: see the body), 503 when it cannot."""
    answer = health()
    return JsonResponse(answer.as_dict(), status=200 if answer.serving else 503)


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether the client's address is in PAPERWIRE_METRICS_ALLOW (behind trusted proxies,
    the visitor's address as ratelimit.client_address reads it)."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOW)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse(
            "metrics are not served to this address (PAPERWIRE_METRICS_ALLOW)\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    from paperwire import metrics  # see OpsMiddleware: only where a request is answered

    body, content_type = metrics.exposition([NodeCollector()])
    return HttpResponse(body, content_type=content_type)


# -- read at scrape time --------------------------------------------------------------------


class _Snapshot:
    """The node's gauges, read at most every ``SLOW_SECONDS`` in a process (a scrape every
    15 s from each of two Prometheus servers costs one count of the catalogue)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -SLOW_SECONDS
        self._families: list[Any] = []

    def families(self) -> list[Any]:
        with self._lock:
            if time.monotonic() - self._at > SLOW_SECONDS:
                self._families = list(_read_node())
                self._at = time.monotonic()
            return self._families

    def forget(self) -> None:
        with self._lock:
            self._at = -SLOW_SECONDS


_snapshot = _Snapshot()


class NodeCollector:
    """Gauges read from the database and the queue when scraped (the same on every node)."""

    def collect(self) -> Iterator[Any]:
        yield from _snapshot.families()


def _read_node() -> Iterator[Any]:
    from prometheus_client.core import GaugeMetricFamily

    up = GaugeMetricFamily(
        "paperwire_health_check_up",
        "1 when the check is ok or degraded, 0 when down (see /healthz).",
        labels=["check"],
    )
    degraded = GaugeMetricFamily(
        "paperwire_health_check_degraded",
        "1 when the check is degraded (the node serves, search in part), else 0.",
        labels=["check"],
    )
    for name, check in health().checks.items():
        up.add_metric([name], 0.0 if check.state == "down" else 1.0)
        degraded.add_metric([name], 1.0 if check.state == "degraded" else 0.0)
    yield up
    yield degraded

    def guarded(name: str, read: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        try:
            yield from list(read())
        except Exception as exc:  # a dependency that is down: its gauges are left out
            log.warning("metrics: %s could not be read: %s: %s", name, type(exc).__name__, exc)

    yield from guarded("queue", _queue)
    yield from guarded("index", _index)
    yield from guarded("mail", _mail)


def _queue() -> Iterator[Any]:
    from prometheus_client.core import GaugeMetricFamily

    pending, scheduled = queue_depth()
    depth = GaugeMetricFamily(
        "paperwire_queue_tasks",
        "Tasks in the task queue: waiting to run now, or scheduled for later (retries).",
        labels=["state"],
    )
    depth.add_metric(["pending"], pending)
    depth.add_metric(["scheduled"], scheduled)
    yield depth


def _index() -> Iterator[Any]:
    from prometheus_client.core import GaugeMetricFamily

    lag = index_lag()
    yield GaugeMetricFamily("paperwire_papers", "Visible papers in the catalogue.", lag.papers)
    waiting = GaugeMetricFamily(
        "paperwire_index_waiting_papers",
        "Papers the search indexes are behind the catalogue: not in this node's keyword "
        "index, without a vector, embedded but not in the vector index.",
        labels=["index"],
    )
    for name, value in (
        ("keyword", lag.keyword_waiting),
        ("vector", lag.vector_waiting),
        ("vector_index", lag.vector_index_waiting),
    ):
        if value is not None:
            waiting.add_metric([name], value)
    yield waiting


def _mail() -> Iterator[Any]:
    from django.db.models import Count
    from prometheus_client.core import GaugeMetricFamily

    from paperwire.digests.models import Delivery, Digest, Frequency

    # The delivery log is read over a day (its `at` column is indexed), not whole: it grows
    # by every message ever sent.
    since = timezone.now() - dt.timedelta(days=1)
    recent = GaugeMetricFamily(
        "paperwire_mail_deliveries_last_day",
        "Attempts to hand mail to the mail server in the last 24 hours, by kind (digest, "
        "notice, confirmation) and outcome (sent; temporary: retried; permanent: failed, the "
        "address gets no more mail; uncertain).",
        labels=["kind", "outcome"],
    )
    rows = (
        Delivery.objects.filter(at__gte=since)
        .values_list("kind", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    for kind, outcome, n in rows:
        recent.add_metric([kind, outcome], n)
    yield recent
    digests = GaugeMetricFamily(
        "paperwire_digests",
        "Digests of the periods that started in the last 8 days, by status (pending: waiting "
        "or retrying; sending: claimed by a sender now; sent; failed: refused or out of "
        "retries).",
        labels=["status"],
    )
    recent_periods = Digest.objects.filter(
        frequency__in=[Frequency.DAILY, Frequency.WEEKLY],  # the queue index's first column
        period_start__gte=timezone.localdate() - dt.timedelta(days=8),
    )
    counts = dict(recent_periods.values_list("status").annotate(n=Count("id")).order_by())
    for status in Digest.Status:
        digests.add_metric([status.value], counts.get(status.value, 0))
    yield digests


# -- counted on every request ---------------------------------------------------------------


class OpsMiddleware:
    """The outermost middleware (settings.MIDDLEWARE).

    It answers ``/healthz`` and ``/metrics`` itself, before the host name is checked and
    before any redirect to HTTPS: load balancers and Prometheus reach a node by its address
    over plain HTTP, and neither answer is built from the Host header. (Their routes in
    ops_urls.py name them for ``reverse`` and answer the same way.)

    It counts every request by route name (``view``), method and status, and times it; a
    search route is also timed by the mode asked. Static files count as ``static``, other
    unmatched paths as ``unmatched``: a scan of made-up addresses cannot make a label each."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        direct = _DIRECT.get(request.path_info)
        if direct is not None:
            view, answer = direct
            response = answer(request)
        else:
            response = self.get_response(request)
            view = _view_name(request)
        seconds = time.perf_counter() - started
        # Imported at the first request, not with this module: URL checks import this module in
        # every management command and in the server's parent process, which must not choose
        # a metrics folder (paperwire/metrics.py keys it to the answering process's parent).
        from paperwire import metrics

        method = request.method if request.method in _METHODS else "other"
        metrics.REQUESTS.labels(view, method, str(response.status_code)).inc()
        metrics.REQUEST_SECONDS.labels(view).observe(seconds)
        if view in SEARCH_VIEWS and response.status_code == 200:
            mode = request.GET.get("mode", "hybrid")
            metrics.SEARCH_SECONDS.labels(mode if mode in SEARCH_MODES else "hybrid", view).observe(
                seconds
            )
        return response


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name or "unnamed")
    if request.path.startswith(settings.STATIC_URL):
        return "static"  # answered by WhiteNoise before any route is matched
    return "unmatched"


_DIRECT: dict[str, tuple[str, Callable[[HttpRequest], HttpResponse]]] = {
    "/healthz": ("healthz", healthz),
    "/metrics": ("metrics", metrics_view),
}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
