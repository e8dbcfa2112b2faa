"""Subscribers, their topics, and the digests sent to them.

A ``Digest`` row is the unit of exactly-once delivery: one per subscriber and period (a unique
constraint), created when the period is composed, moved from ``pending`` to ``sending`` (just
before the message's last byte leaves) to ``sent``. ``Received`` remembers every paper a
subscriber has been sent, so no paper is ever sent to them twice.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from paperwire.catalogue.models import Paper


class Frequency(models.TextChoices):
    DAILY = "daily", "daily"
    WEEKLY = "weekly", "weekly"


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def mailable(self) -> SubscriberQuerySet:
        """Confirmed, not unsubscribed, not bounced: the only addresses a digest may go to."""
        return self.filter(
            confirmed_at__isnull=False, unsubscribed_at__isnull=True, bounced_at__isnull=True
        )


class Subscriber(models.Model):
    email = models.EmailField(max_length=254, unique=True, help_text="stored in lower case")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.DAILY)
    include_trending = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.CharField(max_length=500, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["frequency", "confirmed_at"])]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.bounced_at:
            return "bounced"
        if self.unsubscribed_at:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at else "unconfirmed"


class Topic(models.Model):
    """A saved search: any query in the search syntax (words, "phrases", cat:, author:)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="topics")
    query = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "query"], name="one_topic_per_query")
        ]

    def __str__(self) -> str:
        return self.query


class Outgoing(models.Model):
    """What the sender (send.py) needs of a message it delivers exactly once: its status, its
    attempts, and the claim of the run that has it. Digests and notification mail share it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"  # the last byte was about to leave: treated as sent on resume
        SENT = "sent"
        FAILED = "failed"  # permanently: the address refused, or retries ran out

    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # The sender run that has this message ("host pid process run", see digests/send.py) and
    # when it took it: another sender leaves the message alone while that run is alive.
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)

    # The delivery log's foreign key to this kind of message, and its ``kind`` there.
    delivery_field: ClassVar[str] = ""
    # What the sender reads with each message it claims (select_related).
    load_with: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @property
    def address(self) -> str:
        """The address the message goes to."""
        raise NotImplementedError


class Digest(Outgoing):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="digests")
    frequency = models.CharField(max_length=10, choices=Frequency)
    period_start = models.DateField()
    period_end = models.DateField()
    # [{"paper": id, "why": ["trending", "topic: graph neural networks"]}] in the mail's order
    items: models.JSONField[list[dict[str, object]], list[dict[str, object]]] = models.JSONField(
        default=list
    )
    composed_at = models.DateTimeField(auto_now_add=True)

    delivery_field: ClassVar[str] = "digest"
    load_with: ClassVar[tuple[str, ...]] = ("subscriber",)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "frequency", "period_start"], name="one_digest_per_period"
            )
        ]
        # With the id last, a sender takes the next pending digests in order straight from the
        # index, without sorting every pending one (PostgreSQL would).
        indexes = [
            models.Index(fields=["frequency", "period_start", "status", "id"], name="digest_queue")
        ]

    def __str__(self) -> str:
        return f"{self.frequency} digest {self.period_start} for {self.subscriber_id}"

    @property
    def address(self) -> str:
        return self.subscriber.email


class Received(models.Model):
    """A paper a subscriber has been sent (any version, any cross-list: one paper row)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, db_index=True)
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "paper"], name="one_receipt_per_paper")
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} received {self.paper_id}"


class Notice(Outgoing):
    """One notification mail: a reader's notifications (``inbox.Notification`` ids, in
    ``items``) that were pending when it was composed, sent exactly once like a digest."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    email = models.EmailField(max_length=254, help_text="the account's address when composed")
    items: models.JSONField[list[int], list[int]] = models.JSONField(default=list)
    composed_at = models.DateTimeField(auto_now_add=True)

    delivery_field: ClassVar[str] = "notice"

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="notice_queue")]

    def __str__(self) -> str:
        return f"notice {self.pk} for {self.account_id}"

    @property
    def address(self) -> str:
        return self.email


class PeriodRun(models.Model):
    """A period's digest run as the schedule sees it: when it last started, and when it
    finished with nothing of the period left pending. The hourly check takes up again a period
    whose run never started (no worker at the hour) or stopped before its end (a killed worker,
    a mail server that was down): ``digests.run.unfinished``."""

    frequency = models.CharField(max_length=10, choices=Frequency)
    period_start = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["frequency", "period_start"], name="one_run_per_period")
        ]

    def __str__(self) -> str:
        state = "finished" if self.finished_at else "unfinished"
        return f"{self.frequency} digests of {self.period_start}: {state}"


class Delivery(models.Model):
    """The delivery log: every attempt to hand a message to the mail server, and its answer."""

    class Outcome(models.TextChoices):
        SENT = "sent"
        TEMPORARY = "temporary"  # 4xx or a broken connection: retried with backoff
        PERMANENT = "permanent"  # 5xx: the address is marked and gets no more mail
        UNCERTAIN = "uncertain"  # the sender stopped between the last byte and the answer

    digest = models.ForeignKey(Digest, null=True, blank=True, on_delete=models.CASCADE)
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.CASCADE)
    email = models.EmailField(max_length=254)
    kind = models.CharField(
        max_length=20, default="digest", help_text="digest, notice or confirmation"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome)
    code = models.IntegerField(null=True, blank=True, help_text="the SMTP reply code")
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.email} {self.outcome}"
