"""The schedule: what starts when, and the worker running it on both queue storages."""

from __future__ import annotations

import datetime as dt
import socket
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from pytest_django.fixtures import Settings

from paperwire.catalogue.periods import containing
from paperwire.digests.compose import compose_period
from paperwire.digests.models import Digest, PeriodRun
from paperwire.digests.send import CLAIM_LEASE
from paperwire.digests.tasks import send_digests
from paperwire.ingest.tasks import harvest
from paperwire.schedule import PERIODIC, due, hourly
from tests.conftest import Cli
from tests.digests.conftest import SmtpSink
from tests.digests.test_claims import dead_pid
from tests.factories import DAY, paper, real_day_with_subscribers, subscriber

UTC = dt.UTC


def _due(at: dt.datetime) -> list[tuple[str, tuple[str, ...]]]:
    return [(job.periodic.name, job.args) for job in due(at)]


def test_daily_digests_at_the_configured_hour_in_the_configured_zone(settings: Settings, db: None):
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


def test_the_harvest_runs_at_its_hour_when_categories_are_set(settings: Settings, db: None):
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


# --- a period whose run did not finish is queued again ------------------------------------

# The day after DAY, three hours after the digest hour: DAY's daily digests are the ones owed.
NOW = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(10), tzinfo=UTC)


@pytest.fixture
def digest_hour_seven(settings: Settings) -> None:
    settings.DIGEST_TIME_ZONE = "UTC"
    settings.DIGEST_HOUR = 7
    settings.DIGEST_WEEKDAY = 0
    settings.HARVEST_CATEGORIES = []


def _owed(at: dt.datetime) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(job.periodic.name, job.args, job.again) for job in due(at)]


def ran(day: dt.date, *, started: dt.datetime = NOW - dt.timedelta(hours=3),
        finished: bool = True) -> None:  # fmt: skip
    PeriodRun.objects.create(
        frequency="daily", period_start=day, started_at=started,
        finished_at=started + dt.timedelta(minutes=5) if finished else None,
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.usefixtures("digest_hour_seven")
def test_a_fresh_instance_owes_no_digest_of_before_its_time():
    # No run of any period on record: nothing was due before this instance ran digests.
    assert _owed(NOW) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("digest_hour_seven")
def test_a_period_whose_run_never_started_goes_out_at_the_next_hour():
    ran(DAY - dt.timedelta(days=1))  # the day before went out; no worker was up at DAY's hour
    assert _owed(NOW) == [("daily digests", ("daily", DAY.isoformat()), True)]
    # Before the next day's hour, the latest start is still the day before's, which finished.
    assert _owed(NOW - dt.timedelta(hours=5)) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("digest_hour_seven")
def test_a_finished_period_is_not_queued_again():
    ran(DAY)
    assert _owed(NOW) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("digest_hour_seven")
@pytest.mark.parametrize(
    ("state", "owed"),
    [
        ("pending, nobody at work", True),
        ("a message claimed a minute ago", False),
        ("the run started a minute ago", False),
        ("pending, deferred past now", False),
        ("all sent", False),
    ],
)
def test_a_stopped_run_is_taken_up_once_nobody_is_at_work_on_it(state: str, owed: bool):
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("ada@example.org")
    compose_period(containing("daily", DAY))
    started = NOW - (dt.timedelta(minutes=1) if "started" in state else 2 * CLAIM_LEASE)
    ran(DAY, started=started, finished=False)
    digest = Digest.objects.get()
    if "claimed" in state:
        Digest.objects.update(
            claimed_by="elsewhere 1 x run", claimed_at=NOW - dt.timedelta(minutes=1)
        )
    elif "deferred" in state:
        Digest.objects.update(next_attempt_at=NOW + dt.timedelta(minutes=20))
    elif "sent" in state:
        Digest.objects.update(status=Digest.Status.SENT)
    assert digest.status == Digest.Status.PENDING
    expected = [("daily digests", ("daily", DAY.isoformat()), True)] if owed else []
    assert _owed(NOW) == expected


@pytest.mark.django_db
@pytest.mark.usefixtures("digest_hour_seven")
def test_a_run_killed_mid_send_is_finished_by_the_next_hour_without_sending_twice(
    smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    paper("2503.00001", "Popular", upvotes=3)
    for person in ("sent@example.org", "inflight@example.org", "waiting@example.org"):
        subscriber(person)
    compose_period(containing("daily", DAY))
    ran(DAY, started=NOW - dt.timedelta(hours=2), finished=False)
    # The killed worker had sent one message and was sending the second when it died.
    killed = f"{socket.gethostname()} {dead_pid()} abcd1234 run1"
    claim = {"claimed_by": killed, "claimed_at": NOW - dt.timedelta(hours=2)}
    Digest.objects.filter(subscriber__email="sent@example.org").update(
        status=Digest.Status.SENT, **claim
    )
    Digest.objects.filter(subscriber__email="inflight@example.org").update(
        status=Digest.Status.SENDING, **claim
    )

    jobs = due(NOW)
    assert [(job.periodic.name, job.again) for job in jobs] == [("daily digests", True)]
    send_digests.call_local(*jobs[0].args)

    assert smtp_sink.rcpt_tos == ["waiting@example.org"]  # nobody twice, nobody left out
    assert not Digest.objects.filter(status=Digest.Status.PENDING).exists()
    assert PeriodRun.objects.get(period_start=DAY).finished_at is not None
    assert due(NOW + dt.timedelta(hours=1)) == []


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
