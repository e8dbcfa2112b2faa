"""The task queue's (Huey) ingest job: the daily harvest of ``HARVEST_CATEGORIES`` from the
arXiv API. ``paperwire.schedule`` says when it starts."""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.core.management import call_command
from huey.contrib.djhuey import db_task

from paperwire.tasklocks import expiring_lock

# Three days back, so a day the worker missed is still caught; papers already in the catalogue
# cost one fingerprint check each.
OVERLAP = dt.timedelta(days=3)


@db_task(retries=1, retry_delay=1800)  # type: ignore[untyped-decorator]  # Huey has no hints
def harvest(day: str) -> str:
    since = (dt.date.fromisoformat(day) - OVERLAP).isoformat()
    out = io.StringIO()
    # Far above a harvest's few minutes; a killed worker delays the next day's by at most this.
    with expiring_lock("paperwire-harvest", 2 * 3600):
        for category in settings.HARVEST_CATEGORIES:
            call_command(
                "harvest", "arxiv", "--category", category, "--since", since, "--no-progress",
                stdout=out, stderr=out,
            )  # fmt: skip
    return out.getvalue()
