"""Moving a subscriber list from another tool: CSV with the header ``email,frequency,topics``."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from paperwire.digests.models import Subscriber, Topic
from paperwire.digests.subscriptions import (
    SubscriptionError,
    clean_email,
    clean_frequency,
    clean_topics,
)

HEADER = ["email", "frequency", "topics"]
BATCH = 1000


@dataclass
class ImportSummary:
    read: int = 0
    new: int = 0
    updated: int = 0
    rejected: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"read {self.read:,} · new {self.new:,} · updated {self.updated:,} · "
            f"rejected {len(self.rejected):,}"
        )


@dataclass
class Row:
    line: int
    email: str
    frequency: str
    topics: list[str]


def read_rows(path: Path, reject: Callable[[str], None]) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        if header[:3] != HEADER:
            expected, found = ",".join(HEADER), ",".join(header)
            raise SubscriptionError(
                f"{path}: the first line must be the header {expected}, not {found!r}"
            )
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < 2:
                reject(f"rejected line {line}: expected email,frequency,topics")
                continue
            try:
                email = clean_email(row[0])
                frequency = clean_frequency((row[1] or "daily").strip().lower())
                topics = clean_topics((row[2] if len(row) > 2 else "").split(";"))
            except SubscriptionError as exc:
                reject(f"rejected line {line}: {exc}")
                continue
            yield Row(line, email, frequency, topics)


def import_subscribers(path: Path, progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Imported addresses count as confirmed (they confirmed with the tool they come from).

    Idempotent: importing the same file twice changes nothing; a row for an address that is
    already here updates its frequency and topics, but never resubscribes one that left.
    """
    summary = ImportSummary()
    batch: list[Row] = []
    for row in read_rows(path, summary.rejected.append):
        batch.append(row)
        if len(batch) >= BATCH:
            _write(batch, summary)
            if progress:
                progress(len(batch))
            batch = []
    _write(batch, summary)
    if progress and batch:
        progress(len(batch))
    summary.read += len(summary.rejected)
    return summary


def _write(rows: list[Row], summary: ImportSummary) -> None:
    if not rows:
        return
    summary.read += len(rows)
    latest = {row.email: row for row in rows}  # a repeated address: its last line wins
    now = timezone.now()
    with transaction.atomic():
        existing = {s.email: s for s in Subscriber.objects.filter(email__in=list(latest))}
        fresh = [
            Subscriber(email=e, frequency=r.frequency, confirmed_at=now)
            for e, r in latest.items()
            if e not in existing
        ]
        Subscriber.objects.bulk_create(fresh, batch_size=500)
        summary.new += len(fresh)
        for email, subscriber in existing.items():
            if subscriber.frequency != latest[email].frequency:
                subscriber.frequency = latest[email].frequency
                subscriber.save(update_fields=["frequency"])
                summary.updated += 1
        ids = dict(Subscriber.objects.filter(email__in=list(latest)).values_list("email", "pk"))
        current: dict[int, set[str]] = {}
        for subscriber_id, query in Topic.objects.filter(
            subscriber_id__in=ids.values()
        ).values_list("subscriber_id", "query"):
            current.setdefault(subscriber_id, set()).add(query)
        add: list[Topic] = []
        for email, row in latest.items():
            have = current.get(ids[email], set())
            if have == set(row.topics):
                continue
            if email in existing:
                Topic.objects.filter(subscriber_id=ids[email]).exclude(
                    query__in=row.topics
                ).delete()
                if existing[email].frequency == row.frequency:  # not counted above
                    summary.updated += 1
            add.extend(
                Topic(subscriber_id=ids[email], query=q) for q in row.topics if q not in have
            )
        Topic.objects.bulk_create(add, batch_size=1000, ignore_conflicts=True)
