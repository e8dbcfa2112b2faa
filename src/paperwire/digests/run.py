"""One entry point for a period's digests, used by `paperwire digest send` and the schedule.

A mail server that cannot be used stops the run with ``send.SendingStopped`` (one line naming
the setting to check); the command prints it, the schedule's task fails and Huey retries it."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from django.conf import settings
from tqdm import tqdm

from paperwire.catalogue.periods import Period, containing
from paperwire.digests.compose import ComposeSummary, compose_period
from paperwire.digests.models import Digest
from paperwire.digests.send import Sender, SendingStopped, SendSummary


@dataclass
class RunSummary:
    period: Period
    composed: ComposeSummary
    sent: SendSummary | None


def run_period(
    frequency: str,
    day: dt.date,
    *,
    dry_run: bool = False,
    progress: bool = True,
    out: TextIO | None = None,
    rate: float | None = None,
) -> RunSummary:
    out = out or sys.stderr
    period = containing(frequency, day)
    bar = tqdm(
        desc=f"composing {frequency} {period.first}", unit=" subscribers", disable=not progress,
        file=out, dynamic_ncols=True,
    )  # fmt: skip
    composed = compose_period(period, progress=_ticker(bar))
    bar.close()
    if dry_run:
        return RunSummary(period, composed, None)
    pending = Digest.objects.filter(
        frequency=frequency, period_start=period.first, status=Digest.Status.PENDING
    ).count()
    bar = tqdm(
        total=pending, desc="sending", unit=" messages", disable=not progress, file=out,
        dynamic_ncols=True,
    )  # fmt: skip
    sender = Sender(
        rate=settings.MAIL_RATE if rate is None else rate,
        progress=_ticker(bar),
    )
    try:
        sent = sender.send_period(period)
    except SendingStopped as stopped:
        stopped.composed = composed
        raise
    finally:
        bar.close()  # also when the mail server stopped the run: its line follows the bar
    return RunSummary(period, composed, sent)


def _ticker(bar: tqdm[Any]) -> Callable[[int], None]:
    def tick(n: int) -> None:
        bar.update(n)

    return tick
