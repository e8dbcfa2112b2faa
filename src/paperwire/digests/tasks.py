"""The task queue's jobs (Huey): the hourly check that starts digests and the harvest.

The check runs at the top of every hour and asks ``schedule.due`` what to start, so the hour
and time zone come from settings at run time. Sending is idempotent, so a check that runs
twice (two workers, a restart) sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import io
import logging

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from paperwire.digests.run import run_period
from paperwire.digests.schedule import due

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="0"))
def hourly() -> None:
    for job in due(timezone.now()):
        if job.name == "harvest" and job.day is not None:
            harvest.schedule(args=(job.day.isoformat(),), delay=0)
        elif job.day is not None:
            send_digests.schedule(args=(job.frequency, job.day.isoformat()), delay=0)


@db_task(retries=2, retry_delay=300)
def send_digests(frequency: str, day: str) -> str:
    with lock_task(f"paperwire-digest-{frequency}"):
        result = run_period(frequency, dt.date.fromisoformat(day), progress=False)
    sent = result.sent.line() if result.sent else "nothing sent"
    log.warning("%s digest %s: %s", frequency, result.period.first, sent)
    return sent


@db_task(retries=1, retry_delay=1800)
def harvest(day: str) -> str:
    since = (dt.date.fromisoformat(day) - dt.timedelta(days=3)).isoformat()
    out = io.StringIO()
    with lock_task("paperwire-harvest"):
        for category in settings.HARVEST_CATEGORIES:
            call_command(
                "harvest", "arxiv", "--category", category, "--since", since, "--no-progress",
                stdout=out, stderr=out,
            )  # fmt: skip
    return out.getvalue()
