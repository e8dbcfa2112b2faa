"""Which run of ``paperwire embed`` is encoding which papers, so several can share the work.

Several machines may run ``paperwire embed`` (or ``--loop``) against one database. Before
encoding a batch, a run claims its papers: one statement inserts a claim per paper, and
takes over an existing claim only when its lease has expired (or is its own). The statement
returns the papers it got, and only those are encoded: two runs offered the same papers get
disjoint shares, on PostgreSQL (the conflict check locks each claim row and re-reads it) and
on SQLite (one writer at a time) alike. Writing a batch's vectors releases its claims in the
same transaction, so a paper is either claimed or embedded, never lost between the two.

A run killed mid-batch leaves its claims behind; they stop counting once their lease
(``PAPERWIRE_EMBED_LEASE_SECONDS``, 10 minutes by default: far longer than a batch takes)
has expired, and another run picks the papers up. On the killed run's own machine the next
run need not wait: it sees that the process has gone and drops its claims at once.

Claims are working state, not data: they name no foreign key (a paper deleted while claimed
leaves a row that only expires), and a dump or backup may leave them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import QuerySet
from django.utils import timezone

from paperwire.processes import ended, this_process

DEFAULT_LEASE_SECONDS = 600


class EmbeddingClaim(models.Model):
    """A paper that a run of ``paperwire embed`` (``owner``) is encoding until ``expires_at``."""

    paper_id = models.BigIntegerField(primary_key=True)
    owner = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "search"

    def __str__(self) -> str:
        return f"{self.paper_id} ({self.owner} until {self.expires_at:%H:%M:%S})"


def lease_seconds() -> float:
    """How long a claim holds (``PAPERWIRE_EMBED_LEASE_SECONDS``)."""
    return float(getattr(settings, "EMBED_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def run_name() -> str:
    """This run's name in its claims: the machine and the process, unique among the runs."""
    return this_process()[:200]


def drop_ended() -> int:
    """Drop the live claims of runs that have surely ended (killed on this machine), so their
    papers are free now rather than when the lease runs out; returns how many."""
    holders = (
        EmbeddingClaim.objects.filter(expires_at__gt=timezone.now())
        .values_list("owner", flat=True)
        .distinct()
    )
    gone = [holder for holder in holders if ended(holder)]
    if not gone:
        return 0
    dropped, _ = EmbeddingClaim.objects.filter(owner__in=gone).delete()
    return dropped


def held_by_others(owner: str, *, now: dt.datetime | None = None) -> QuerySet[EmbeddingClaim]:
    """Live claims of runs other than ``owner``."""
    return EmbeddingClaim.objects.filter(expires_at__gt=now or timezone.now()).exclude(owner=owner)


def claim(keys: Sequence[int], owner: str, lease: float | None = None) -> list[int]:
    """Claim those of ``keys`` that no other run holds a live claim on; returns them."""
    if not keys:
        return []
    now = timezone.now()
    expires = now + dt.timedelta(seconds=lease_seconds() if lease is None else lease)
    adapt = connection.ops.adapt_datetimefield_value
    table = connection.ops.quote_name(EmbeddingClaim._meta.db_table)
    rows = ", ".join(["(%s, %s, %s)"] * len(keys))
    params: list[Any] = []
    for key in keys:
        params += [int(key), owner, adapt(expires)]
    params.append(adapt(now))
    # Both PostgreSQL and SQLite (3.35+) read this upsert alike. The WHERE of DO UPDATE is
    # checked against the claim as it is when the row is reached, after any concurrent
    # claimer has committed: a claim is taken over only when it has expired or is ours.
    # The table's name is the model's, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {table} (paper_id, owner, expires_at) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT (paper_id) DO UPDATE SET owner = excluded.owner, "
        f"expires_at = excluded.expires_at "
        f"WHERE {table}.expires_at <= %s OR {table}.owner = excluded.owner "
        f"RETURNING paper_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(int(row[0]) for row in cursor.fetchall())


def release(keys: Sequence[int], owner: str) -> None:
    """Drop ``owner``'s claims on ``keys`` (their vectors are written, or they are given up)."""
    EmbeddingClaim.objects.filter(paper_id__in=list(keys), owner=owner).delete()
