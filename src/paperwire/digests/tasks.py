"""The task queue's (Huey) digest job: compose and send one period's digests.
``paperwire.schedule`` says when it starts. Sending is idempotent, so a run started twice (two
workers, a restart) sends nothing twice: each message is claimed by one sender with a
conditional UPDATE. So no lock is taken: runs of one period at once share its messages, and a
worker killed mid-run holds nothing back from the others."""

from __future__ import annotations

import datetime as dt
import logging

from huey.contrib.djhuey import db_task

from paperwire.digests.run import run_period

log = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=300)
def send_digests(frequency: str, day: str) -> str:
    result = run_period(frequency, dt.date.fromisoformat(day), progress=False)
    sent = result.sent.line() if result.sent else "nothing sent"
    log.warning("%s digest %s: %s", frequency, result.period.first, sent)
    return sent


@db_task(retries=2, retry_delay=60)
def send_notices() -> str:
    """Compose and send the pending notification mail (``notices.run_notices``). Two runs at
    once send nothing twice (the same claims as the digests), so none waits for a lock."""
    from paperwire.digests.notices import run_notices

    result = run_notices()
    sent = result.sent.line() if result.sent else "nothing sent"
    if result.composed.notices or (result.sent and result.sent.sent):
        log.warning("notification mail: %s", sent)
    return sent
