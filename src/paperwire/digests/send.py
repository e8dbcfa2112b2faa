"""Sending a period's digests: rate-limited, retried, logged, exactly once per subscriber.

Each digest moves ``pending`` → ``sending`` (committed just before the message's last byte,
see transport.py) → ``sent``. On start, a digest left in ``sending`` by a killed sender is
counted as sent and logged as ``uncertain``: it is never sent twice. A temporary failure
(4xx, a broken connection) is retried with exponential backoff within the run, then left
pending with a time for the next run; a permanent one (5xx) marks the address, which gets no
more mail. A connection lost after a message's last byte, before the server's answer, counts
as sent (``uncertain``), like a killed sender's.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from paperwire.catalogue.periods import Period
from paperwire.dbutil import insert_rows
from paperwire.digests.mime import Outbound
from paperwire.digests.models import Delivery, Digest, Received, Subscriber
from paperwire.digests.render import Renderer
from paperwire.digests.transport import (
    DeliveryError,
    NoAnswer,
    Reply,
    Transport,
    open_transport,
)

# Digests accepted by the server are recorded as sent in batches: each one's own commit point
# (``sending``) is what makes it count, so a batch lost in a crash is settled on resume.
RECORD_BATCH = 100
MAX_ATTEMPTS = 6  # runs (each with its own quick retries) before a digest is given up
QUICK_RETRIES = 3
CHUNK = 500


@dataclass
class SendSummary:
    sent: int = 0
    temporary: int = 0
    permanent: int = 0
    uncertain: int = 0
    deferred: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"sent {self.sent:,} · temporary failures {self.temporary:,} · "
            f"refused {self.permanent:,} · uncertain {self.uncertain:,} · "
            f"left for later {self.deferred:,} "
            f"in {self.seconds:.1f} s ({self.rate:,.0f} messages/s)"
        )


class Pacer:
    """At most ``rate`` messages a second (0: no limit), without drifting."""

    def __init__(
        self,
        rate: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = clock()
        self._sleep = sleep

    def wait(self) -> None:
        if not self.interval:
            return
        now = self._clock()
        if self._next > now:
            self._sleep(self._next - now)
        self._next = max(self._next, now) + self.interval


class Sender:
    def __init__(
        self,
        *,
        rate: float,
        retry_base: float = 1.0,
        transport: Transport | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.pacer = Pacer(rate)
        self.retry_base = retry_base
        self.transport = transport or open_transport()
        self.progress = progress
        self._accepted: list[tuple[Digest, Reply]] = []
        self._in_flight: tuple[Digest, Outbound, Callable[[], Reply], int] | None = None

    def send_period(self, period: Period) -> SendSummary:
        summary = SendSummary()
        started = time.monotonic()
        mine = Digest.objects.filter(frequency=period.frequency, period_start=period.first)
        summary.uncertain = self._settle_interrupted(mine)
        renderer = Renderer(period)
        now = timezone.now()
        due = mine.filter(status=Digest.Status.PENDING).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        summary.deferred = mine.filter(status=Digest.Status.PENDING).count() - due.count()
        ids = list(due.order_by("pk").values_list("pk", flat=True))
        try:
            for start in range(0, len(ids), CHUNK):
                chunk = list(
                    Digest.objects.filter(
                        pk__in=ids[start : start + CHUNK], status=Digest.Status.PENDING
                    )
                    .select_related("subscriber")
                    .order_by("pk")
                )
                renderer.load(int(str(i["paper"])) for d in chunk for i in d.items)
                for digest in chunk:
                    # rendered while the server still works on the previous message's end
                    message = self._prepare(digest, renderer)
                    self._settle(summary)
                    if message is not None:
                        self._start(digest, message, summary)
                    if len(self._accepted) >= RECORD_BATCH:
                        self._record_accepted()
                    if self.progress is not None:
                        self.progress(1)
            self._settle(summary)
        finally:
            # A message still in flight here (an error elsewhere) stays ``sending``: counted
            # as sent on resume, like a killed sender's.
            self._record_accepted()
            self.transport.close()
        summary.seconds = time.monotonic() - started
        return summary

    def _settle_interrupted(self, digests: QuerySet[Digest]) -> int:
        stuck = list(digests.filter(status=Digest.Status.SENDING).select_related("subscriber"))
        uncertain = Reply(
            0,
            "the previous sender stopped between the message's last byte and the server's "
            "answer; counted as sent, never sent twice",
        )
        _record_sent([(d, uncertain) for d in stuck], Delivery.Outcome.UNCERTAIN)
        return len(stuck)

    def _prepare(self, digest: Digest, renderer: Renderer) -> Outbound | None:
        subscriber = digest.subscriber
        if subscriber.unsubscribed_at or subscriber.bounced_at or not subscriber.confirmed_at:
            Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.FAILED)
            return None
        if not digest.message_id:
            digest.message_id = renderer.message_id(digest)
        return renderer.outbound(digest, subscriber.email)

    def _start(
        self, digest: Digest, message: Outbound, summary: SendSummary, attempt: int = 0
    ) -> None:
        """Hand the message over; its answer is read by ``_settle``, after the next message
        is rendered."""

        def commit() -> None:
            _mark_sending(digest.pk, digest.message_id)

        self.pacer.wait()
        try:
            answer = self.transport.start(message, commit)
        except DeliveryError as exc:
            self._failed(digest, message, exc.reply, attempt, summary)
            return
        self._in_flight = (digest, message, answer, attempt)

    def _settle(self, summary: SendSummary) -> None:
        if self._in_flight is None:
            return
        digest, message, answer, attempt = self._in_flight
        self._in_flight = None
        try:
            reply = answer()
        except NoAnswer as exc:
            lost = Reply(
                0,
                "the connection failed after the message's last byte, before the server's "
                f"answer; counted as sent, never sent twice ({exc.reply.text})"[:500],
            )
            _record_sent([(digest, lost)], Delivery.Outcome.UNCERTAIN)
            summary.uncertain += 1
            return
        except DeliveryError as exc:
            self._failed(digest, message, exc.reply, attempt, summary)
            return
        self._accepted.append((digest, reply))
        summary.sent += 1

    def _failed(
        self, digest: Digest, message: Outbound, reply: Reply, attempt: int, summary: SendSummary
    ) -> None:
        """A refusal: permanent marks the address; temporary is retried at once a few times
        (backing off), then left for a later run."""
        if Digest.objects.filter(pk=digest.pk, status=Digest.Status.SENDING).exists():
            # The server refused after the commit point: the message did not go.
            Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.PENDING)
        if reply.permanent:
            self._refused(digest, reply)
            summary.permanent += 1
            return
        summary.temporary += 1
        Delivery.objects.create(
            digest=digest, email=digest.subscriber.email, outcome=Delivery.Outcome.TEMPORARY,
            code=reply.code, detail=reply.text[:500],
        )  # fmt: skip
        if attempt < QUICK_RETRIES:
            time.sleep(self.retry_base * 2**attempt)
            self._start(digest, message, summary, attempt + 1)
            self._settle(summary)
            return
        self._defer(digest)
        summary.deferred += 1

    def _record_accepted(self) -> None:
        accepted, self._accepted = self._accepted, []
        _record_sent(accepted, Delivery.Outcome.SENT)

    def _refused(self, digest: Digest, reply: Reply) -> None:
        now = timezone.now()
        with transaction.atomic():
            Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.FAILED)
            Subscriber.objects.filter(pk=digest.subscriber_id).update(
                bounced_at=now, bounce_reason=f"{reply.code} {reply.text}"[:500]
            )
            Delivery.objects.create(
                digest=digest, email=digest.subscriber.email, outcome=Delivery.Outcome.PERMANENT,
                code=reply.code, detail=reply.text[:500],
            )  # fmt: skip

    def _defer(self, digest: Digest) -> None:
        attempts = digest.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            Digest.objects.filter(pk=digest.pk).update(
                status=Digest.Status.FAILED, attempts=attempts
            )
            return
        delay = dt.timedelta(minutes=5 * 2 ** (attempts - 1))
        Digest.objects.filter(pk=digest.pk).update(
            status=Digest.Status.PENDING, attempts=attempts, next_attempt_at=timezone.now() + delay
        )


def _record_sent(done: list[tuple[Digest, Reply]], outcome: str) -> None:
    """Digests the server took (or that a killed sender had reached the commit point of):
    sent, their papers received, each in the delivery log. One transaction for the batch."""
    if not done:
        return
    now = timezone.now()
    with transaction.atomic():
        Digest.objects.filter(pk__in=[d.pk for d, _ in done]).update(
            status=Digest.Status.SENT, sent_at=now
        )
        _remember_received(
            (d.subscriber_id, int(str(i["paper"])), d.pk) for d, _ in done for i in d.items
        )
        _log_sent(
            (d.pk, d.subscriber.email, "digest", now, outcome, r.code or None, r.text[:500])
            for d, r in done
        )


def _remember_received(rows: Iterable[tuple[int, int, int]]) -> None:
    """Receipts, about twenty a digest: one executemany (bulk_create cost ~80 µs a row)."""
    insert_rows(Received, ("subscriber", "paper", "digest"), rows, ignore_conflicts=True)


@lru_cache(maxsize=4)
def _mark_sending_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    table = quote(Digest._meta.db_table)
    return (
        f"UPDATE {table} SET {quote('status')} = %s, {quote('message_id')} = %s, "  # noqa: S608
        f"{quote('attempts')} = {quote('attempts')} + 1 WHERE {quote('id')} = %s"
    )


def _mark_sending(digest_id: int, message_id: str) -> None:
    """The commit point, once per message: one statement, committed on its own (autocommit).

    The ORM's update cost 0.5 ms a message here, a quarter of the sender's time.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _mark_sending_sql(connection.vendor), [Digest.Status.SENDING, message_id, digest_id]
        )


_LOG_FIELDS = ("digest", "email", "kind", "at", "outcome", "code", "detail")


def _log_sent(rows: Iterable[tuple[int, str, str, dt.datetime, str, int | None, str]]) -> None:
    """Delivery-log rows for recorded digests, by one executemany like the receipts."""
    insert_rows(Delivery, _LOG_FIELDS, rows)
