"""/healthz tells a load balancer whether a node can serve: 200 while it can (possibly
degraded, and the body says how), 503 with the failing check named when it cannot. The
database, cache and queue are real; the broken ones are real URLs of ports nothing listens on."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.search.backends import get_backend
from paperwire.web import health
from tests import factories
from tests.commands.test_serve import free_port
from tests.conftest import Cli


@pytest.fixture(autouse=True)
def _fresh_answers() -> Iterator[None]:
    health.forget()  # the index and model answers are kept 15 s in the process
    yield
    health.forget()


def _healthz(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_a_node_with_its_keyword_index_serves_and_says_semantic_search_is_not_ready(
    client: Client, indexed: Callable[[], int]
):
    factories.paper(title="Graph neural networks")
    factories.paper(title="Diffusion models")
    indexed()
    status, body = _healthz(client)
    assert status == 200
    checks = body["checks"]
    assert {name: checks[name]["state"] for name in ("database", "cache", "queue")} == {
        "database": "ok",
        "cache": "ok",
        "queue": "ok",
    }
    assert checks["queue"]["numbers"] == {"pending": 0, "scheduled": 0}
    # Nothing embedded yet: keyword search serves, the node is degraded, not down.
    assert checks["index"]["state"] == "degraded"
    assert checks["index"]["fatal"] is False
    assert checks["index"]["numbers"]["papers"] == 2
    assert checks["index"]["numbers"]["keyword_waiting"] == 0
    assert body["status"] == "degraded"


@pytest.mark.django_db
def test_papers_the_keyword_index_has_not_seen_are_counted_as_lag(
    client: Client, indexed: Callable[[], int], settings: Any
):
    settings.SEMANTIC = False  # only the keyword half here
    factories.paper(title="Indexed")
    indexed()
    factories.paper(title="Imported after the index was refreshed")
    status, body = _healthz(client)
    assert status == 200
    waiting = body["checks"]["index"]["numbers"]["keyword_waiting"]
    # PostgreSQL's own keyword index is a column of the paper's own row: never behind.
    assert waiting == (0 if get_backend().name == "postgres" else 1)
    assert body["checks"]["model"] == {"state": "ok", "fatal": False, "detail": (
        "semantic search is switched off"
    )}  # fmt: skip


@pytest.mark.django_db
def test_a_node_without_any_keyword_index_is_degraded_not_down(client: Client, backend: Any):
    factories.paper(title="Never indexed")
    status, body = _healthz(client)
    assert status == 200
    if get_backend().name != "postgres":  # no index files yet (PostgreSQL's is a column)
        assert body["checks"]["index"]["detail"] == "no keyword index: search is unavailable"
    assert body["status"] == "degraded"


@pytest.mark.django_db
def test_the_answer_is_never_cached_and_the_same_for_everyone(
    client: Client, indexed: Callable[[], int]
):
    reader = User.objects.create_user("ada", "ada@example.org")
    factories.paper(title="Graph neural networks")
    indexed()
    anonymous = client.get("/healthz")
    assert "no-store" in anonymous["Cache-Control"]
    client.force_login(reader)
    signed_in = client.get("/healthz")
    assert json.loads(signed_in.content) == json.loads(anonymous.content)
    assert b"ada" not in signed_in.content
    assert b"csrftoken" not in signed_in.headers.get("Set-Cookie", "").encode()


@pytest.mark.django_db
def test_a_probe_by_address_or_over_plain_http_is_answered(client: Client, settings: Any):
    # Load balancers probe a node by its address, not the site's name, and over plain HTTP
    # behind the TLS proxy: no "bad host" 400, no redirect to HTTPS.
    settings.ALLOWED_HOSTS = ["papers.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200


@pytest.mark.django_db
def test_only_get_and_head_are_answered(client: Client):
    assert client.post("/healthz").status_code == 405


# -- real processes with a dependency that cannot be reached --------------------------------


def _serve(cli: Cli, workers: int = 1, **env: str) -> Iterator[int]:
    """A real `paperwire serve` on a free port, stopped when the iteration ends."""
    port = free_port()
    cli.env.update(env)
    server = cli.popen("serve", "--port", str(port), "--workers", str(workers))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break  # an answer, if a 503: the server is up
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


def _probe(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_served_node_with_an_unreachable_cache_is_taken_out_naming_the_cache(cli: Cli):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    for port in _serve(cli, PAPERWIRE_CACHE_URL=dead):
        status, body = _probe(port)
        assert status == 503
        assert body["status"] == "down"
        assert body["checks"]["cache"]["state"] == "down"
        assert body["checks"]["cache"]["fatal"] is True
        assert body["checks"]["database"]["state"] == "ok"
        # The reason, not the address: that goes to the log only.
        assert "127.0.0.1" not in json.dumps(body)


def test_a_served_node_with_an_unreachable_queue_is_taken_out_naming_the_queue(cli: Cli):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    for port in _serve(cli, PAPERWIRE_QUEUE_URL=dead):
        status, body = _probe(port)
        assert status == 503
        assert body["checks"]["queue"]["state"] == "down"
        assert body["checks"]["cache"]["state"] == "ok"
        assert [name for name, c in body["checks"].items() if c["state"] == "down"] == ["queue"]


def test_a_served_node_on_redis_is_healthy(cli: Cli):
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {url}: {exc}")
    for port in _serve(cli, PAPERWIRE_CACHE_URL=url, PAPERWIRE_QUEUE_URL=url):
        status, body = _probe(port)
        assert status == 200
        for name in ("database", "cache", "queue"):
            assert body["checks"][name]["state"] == "ok", body


def test_an_unreachable_database_is_a_503_naming_the_database(cli: Cli):
    # `paperwire serve` will not start without its database, but a running node loses it:
    # the WSGI application in a process of its own, its database a port nothing listens on.
    env = {
        **cli.env,
        "DJANGO_SETTINGS_MODULE": "paperwire.settings",
        "PAPERWIRE_DATABASE_URL": f"postgres://paperwire@127.0.0.1:{free_port()}/paperwire",
    }
    probe = (
        "import json, django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code); print(r.content.decode())"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    status, body = run.stdout.splitlines()[:2]
    checks = json.loads(body)["checks"]
    assert status == "503"
    assert checks["database"]["state"] == "down"
    assert checks["database"]["fatal"] is True
    # Logged in one line, with what failed.
    assert any("health check database failed" in line for line in run.stderr.splitlines())
