"""/metrics: Prometheus's text, counting requests and searches, with the node's gauges (queue,
index lag, mail) read when scraped; summed over the server's worker processes; served only to
the addresses PAPERWIRE_METRICS_ALLOW names."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import ipaddress
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from paperwire.digests.models import Delivery, Digest
from paperwire.web import health, ops
from tests import factories
from tests.conftest import Cli, shared
from tests.web.test_health import _serve


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    ops._snapshot.forget()  # the gauges are kept 15 s in a process...
    health.forget()  # ...and the catalogue's counts 15 s in the shared cache
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    return samples(response.content.decode())


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_a_page_and_a_search_move_their_counters(client: Client, indexed: Callable[[], int]):
    factories.paper(title="Graph neural networks for molecules")
    indexed()
    before = scrape(client)
    assert client.get("/").status_code == 200
    assert client.get("/search", {"q": "graph", "mode": "lexical"}).status_code == 200
    after = scrape(client)

    home = {"view": "home", "method": "GET", "status": "200"}
    assert value(after, "paperwire_http_requests_total", **home) == (
        value(before, "paperwire_http_requests_total", **home) + 1
    )
    count = "paperwire_search_duration_seconds_count"
    searched = {"mode": "lexical", "view": "search"}
    assert value(after, count, **searched) == value(before, count, **searched) + 1
    assert value(after, "paperwire_search_duration_seconds_sum", **searched) > value(
        before, "paperwire_search_duration_seconds_sum", **searched
    )
    page = "paperwire_http_request_duration_seconds_count"
    assert value(after, page, view="search") == value(before, page, view="search") + 1


@pytest.mark.django_db
def test_made_up_addresses_share_one_label(client: Client):
    before = scrape(client)
    for n in range(3):
        client.get(f"/no-such-page-{n}")
    after = scrape(client)
    unmatched = {"view": "unmatched", "method": "GET", "status": "404"}
    paper = {"view": "paper", "method": "GET", "status": "404"}
    moved = value(after, "paperwire_http_requests_total", **unmatched) + value(
        after, "paperwire_http_requests_total", **paper
    )
    was = value(before, "paperwire_http_requests_total", **unmatched) + value(
        before, "paperwire_http_requests_total", **paper
    )
    assert moved == was + 3
    assert not any("no-such-page" in str(key) for key in after)


@pytest.mark.django_db
def test_the_node_gauges_are_read_when_scraped(client: Client, indexed: Callable[[], int]):
    factories.paper(title="One")
    factories.paper(title="Two")
    indexed()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for address, status in (("ada@example.org", "sent"), ("bob@example.org", "failed")):
        Digest.objects.create(
            subscriber=factories.subscriber(address),
            frequency="daily",
            period_start=yesterday,
            period_end=yesterday,
            status=status,
        )
    Delivery.objects.create(email="ada@example.org", kind="digest", outcome="sent")
    Delivery.objects.create(email="bob@example.org", kind="digest", outcome="permanent")
    found = scrape(client)
    assert value(found, "paperwire_papers") == 2
    assert value(found, "paperwire_index_waiting_papers", index="keyword") == 0
    assert value(found, "paperwire_mail_deliveries_last_day", kind="digest", outcome="sent") == 1
    assert (
        value(found, "paperwire_mail_deliveries_last_day", kind="digest", outcome="permanent") == 1
    )
    assert ("paperwire_queue_tasks", (("state", "pending"),)) in found
    assert value(found, "paperwire_digests", status="sent") == 1
    assert value(found, "paperwire_digests", status="failed") == 1
    assert value(found, "paperwire_digests", status="pending") == 0
    assert value(found, "paperwire_health_check_up", check="database") == 1
    # Counts and states only: no reader's address reaches the metrics.
    assert "example.org" not in client.get("/metrics").content.decode()


@pytest.mark.django_db
def test_metrics_are_served_only_to_the_allowed_addresses(client: Client, settings: Any):
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    other = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 403
    assert b"PAPERWIRE_METRICS_ALLOW" in other.content
    settings.METRICS_ALLOW = [ipaddress.ip_network("203.0.113.0/24")]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get("/metrics").status_code == 403
    # Behind a trusted proxy, the visitor's address is the one checked, not the proxy's.
    settings.TRUSTED_PROXIES = 1
    forwarded = client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forwarded.status_code == 403


def server_of(port: int) -> int:
    """The pid of the `paperwire serve` on this port: of its processes, the one whose parent
    is not one of them (its workers run the same command line)."""
    processes = [
        p
        for p in psutil.process_iter(["ppid", "cmdline"])
        if "serve" in (p.info["cmdline"] or []) and str(port) in (p.info["cmdline"] or [])
    ]
    pids = {p.pid for p in processes}
    servers = [p.pid for p in processes if p.info["ppid"] not in pids]
    assert len(servers) == 1, processes
    return int(servers[0])


def test_two_worker_processes_are_counted_as_one_server(cli: Cli):
    kaggle = shared("arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl")
    assert cli("import", "kaggle", str(kaggle), "--no-progress").returncode == 0
    port_of = iter(_serve(cli, workers=2, PAPERWIRE_SEMANTIC="off"))
    port = next(port_of)
    try:
        base = f"http://127.0.0.1:{port}"

        def get(path: str) -> int:
            with urllib.request.urlopen(base + path, timeout=30) as answer:
                answer.read()
                return int(answer.status)

        pages = 40
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(get, ["/trending"] * pages + ["/search?q=quantum"] * 10))
        assert set(statuses) == {200}
        # The server's folder is named after the server's process, whose children the
        # workers are; both answered some of the requests (each writes its own files)...
        folder = Path(cli.env["PAPERWIRE_DATA_DIR"]) / "metrics" / str(server_of(port))
        assert [p.name for p in folder.parent.iterdir()] == [folder.name]
        writers = {p.name.split("_")[1] for p in folder.glob("counter_*.db")}
        assert len(writers) == 2, writers
        # ...and whichever answers the scrape counts every request the server answered.
        for _ in range(4):
            with urllib.request.urlopen(base + "/metrics", timeout=30) as answer:
                found = samples(answer.read().decode())
            trending = {"view": "trending", "method": "GET", "status": "200"}
            assert value(found, "paperwire_http_requests_total", **trending) == pages
            searched = {"mode": "hybrid", "view": "search"}
            assert value(found, "paperwire_search_duration_seconds_count", **searched) == 10
    finally:
        for _ in port_of:  # stops the server
            pass


def test_an_allow_list_that_is_not_addresses_stops_every_command_with_one_line(cli: Cli):
    cli.env["PAPERWIRE_METRICS_ALLOW"] = "127.0.0.1,10.0.0.0/33"
    result = cli("stats")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "paperwire: PAPERWIRE_METRICS_ALLOW must be addresses or networks such as "
        "127.0.0.1,10.0.0.0/8 (0.0.0.0/0,::/0: everyone), not '10.0.0.0/33'"
    )
