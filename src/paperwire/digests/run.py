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
from django.utils import timezone
from tqdm import tqdm

from paperwire.catalogue.periods import Period, containing
from paperwire.digests.compose import ComposeSummary, compose_period
from paperwire.digests.models import Digest, PeriodRun
from paperwire.digests.send import CLAIM_LEASE, Sender, SendingStopped, SendSummary, due_at


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
    PeriodRun.objects.update_or_create(
        frequency=frequency, period_start=period.first, defaults={"started_at": timezone.now()}
    )
    mine = Digest.objects.filter(frequency=frequency, period_start=period.first)
    pending = mine.filter(status=Digest.Status.PENDING).count()
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
    if not mine.filter(status=Digest.Status.PENDING).exists():  # deferred ones wait for a rerun
        PeriodRun.objects.filter(frequency=frequency, period_start=period.first).update(
            finished_at=timezone.now()
        )
    return RunSummary(period, composed, sent)


def unfinished(frequency: str, day: dt.date, now: dt.datetime) -> bool:
    """Whether the digests of the period containing ``day``, which were due, still need a run:
    it never started (no worker was up at the hour), or it stopped before its end (a worker
    killed mid-send, a mail server that was down, messages deferred until now) and nobody is
    at work on it. A run is at work while it started or claimed a message within the claim
    lease (``send.CLAIM_LEASE``; a sender claims its next hundred messages every few seconds),
    so the hourly check never starts a second sender beside a live one."""
    period = containing(frequency, day)
    run = PeriodRun.objects.filter(frequency=frequency, period_start=period.first).first()
    if run is None:  # missed, unless this instance has run no digests of this kind before it
        return PeriodRun.objects.filter(frequency=frequency, period_start__lt=period.first).exists()
    if run.finished_at is not None or run.started_at >= now - CLAIM_LEASE:
        return False
    mine = Digest.objects.filter(frequency=frequency, period_start=period.first)
    if mine.filter(claimed_at__gte=now - CLAIM_LEASE).exists():
        return False
    return mine.filter(due_at(now), status=Digest.Status.PENDING).exists()


def _ticker(bar: tqdm[Any]) -> Callable[[int], None]:
    def tick(n: int) -> None:
        bar.update(n)

    return tick
