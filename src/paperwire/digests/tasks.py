"""The task queue's (Huey) digest job: compose and send one period's digests.
``paperwire.schedule`` says when it starts. Sending is idempotent, so a run started twice (two
workers, a restart) sends nothing twice."""

from __future__ import annotations

import datetime as dt
import logging

from huey.contrib.djhuey import db_task, lock_task

from paperwire.digests.run import run_period

log = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=300)
def send_digests(frequency: str, day: str) -> str:
    with lock_task(f"paperwire-digest-{frequency}"):
        result = run_period(frequency, dt.date.fromisoformat(day), progress=False)
    sent = result.sent.line() if result.sent else "nothing sent"
    log.warning("%s digest %s: %s", frequency, result.period.first, sent)
    return sent


@db_task(retries=2, retry_delay=60)
def send_notices() -> str:
    """Compose and send the pending notification mail (``notices.run_notices``). The lock
    keeps one run at a time; two at once would still send nothing twice."""
    from paperwire.digests.notices import run_notices

    with lock_task("paperwire-notices"):
        result = run_notices()
    sent = result.sent.line() if result.sent else "nothing sent"
    if result.composed.notices or (result.sent and result.sent.sent):
        log.warning("notification mail: %s", sent)
    return sent
