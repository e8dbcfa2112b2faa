"""The schedule: what starts when, and the worker running it on both queue storages."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from pytest_django.fixtures import Settings

from paperwire.digests.tasks import send_digests
from paperwire.ingest.tasks import harvest
from paperwire.schedule import PERIODIC, due, hourly
from tests.conftest import Cli
from tests.digests.conftest import SmtpSink
from tests.factories import real_day_with_subscribers

UTC = dt.UTC


def _due(at: dt.datetime) -> list[tuple[str, tuple[str, ...]]]:
    return [(job.periodic.name, job.args) for job in due(at)]


def test_daily_digests_at_the_configured_hour_in_the_configured_zone(settings: Settings):
    settings.DIGEST_TIME_ZONE = "Europe/Berlin"
    settings.DIGEST_HOUR = 7
    settings.DIGEST_WEEKDAY = 0
    settings.HARVEST_CATEGORIES = []
    # 06:00 UTC is 07:00 in Berlin in winter; 2025-03-12 is a Wednesday.
    assert _due(dt.datetime(2025, 3, 12, 6, 0, tzinfo=UTC)) == [
        ("daily digests", ("daily", "2025-03-11"))
    ]
    assert _due(dt.datetime(2025, 3, 12, 7, 0, tzinfo=UTC)) == []


def test_weekly_digests_on_the_configured_day_cover_last_week(settings: Settings):
    settings.DIGEST_TIME_ZONE = "UTC"
    settings.DIGEST_HOUR = 7
    settings.DIGEST_WEEKDAY = 0
    jobs = _due(dt.datetime(2025, 3, 17, 7, 30, tzinfo=UTC))  # a Monday
    assert ("weekly digests", ("weekly", "2025-03-10")) in jobs


def test_the_harvest_runs_at_its_hour_when_categories_are_set(settings: Settings):
    settings.DIGEST_TIME_ZONE = "UTC"
    settings.HARVEST_HOUR = 5
    settings.HARVEST_CATEGORIES = ["cs.LG"]
    assert _due(dt.datetime(2025, 3, 12, 5, 0, tzinfo=UTC)) == [("harvest", ("2025-03-12",))]
    settings.HARVEST_CATEGORIES = []
    assert _due(dt.datetime(2025, 3, 12, 5, 0, tzinfo=UTC)) == []


def test_every_setting_the_table_names_exists():
    for periodic in PERIODIC:
        for name in (periodic.hour_setting, periodic.weekday_setting, periodic.only_if_setting):
            assert not name or hasattr(django_settings, name), (periodic.name, name)


def test_the_hourly_check_queues_what_is_due(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    settings.DIGEST_TIME_ZONE = "UTC"
    settings.DIGEST_HOUR = settings.HARVEST_HOUR = 7
    settings.DIGEST_WEEKDAY = 0
    settings.HARVEST_CATEGORIES = ["cs.LG"]
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 3, 17, 7, 0, tzinfo=UTC))
    queued: list[tuple[str, tuple[str, ...]]] = []
    for name, task in (("harvest", harvest), ("send_digests", send_digests)):
        monkeypatch.setattr(
            task, "schedule", lambda args, delay, name=name: queued.append((name, args))
        )
    hourly.call_local()
    assert sorted(queued) == [
        ("harvest", ("2025-03-17",)),
        ("send_digests", ("daily", "2025-03-16")),
        ("send_digests", ("weekly", "2025-03-10")),
    ]


def _redis_or_skip(url: str) -> None:
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {url}: {exc}")


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_the_worker_sends_a_queued_digest_run(
    cli: Cli, smtp_sink: SmtpSink, tmp_path: Path, queue: str
):
    if queue == "redis":
        url = "redis://127.0.0.1:6379/15"
        _redis_or_skip(url)
        redis.Redis.from_url(url).flushdb()
        cli.env["PAPERWIRE_QUEUE_URL"] = url
    else:
        cli.env["PAPERWIRE_QUEUE_URL"] = f"sqlite://{tmp_path / 'queue.sqlite3'}"
    rows = "ada@example.org,daily,\nbob@example.org,daily,\n"
    day = real_day_with_subscribers(cli, tmp_path, rows)
    cli.env["PAPERWIRE_SMTP_URL"] = f"smtp+plain://127.0.0.1:{smtp_sink.port}"
    # What the hourly check does at the digest hour: put the period's run on the queue.
    enqueue = cli(
        "shell", "-c",
        f"from paperwire.digests.tasks import send_digests; send_digests('daily', '{day}')",
    )  # fmt: skip
    assert enqueue.returncode == 0, enqueue.stderr
    assert smtp_sink.messages == []  # queued, not run
    worker = cli.popen("worker", "--workers", "1", "--no-harvest")  # digests only
    try:
        deadline = time.monotonic() + 60
        while len(smtp_sink.messages) < 2:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker did not send the digests"
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert sorted(smtp_sink.rcpt_tos) == ["ada@example.org", "bob@example.org"]
