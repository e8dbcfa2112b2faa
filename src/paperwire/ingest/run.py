"""Reading a source into the catalogue: batches, transactions, checkpoints, progress, a summary.

Each batch is one transaction that also saves the stream's cursor, so a crash or a kill loses
at most the batches in flight, and the next run of the same read resumes after the last
committed batch. Upserts are idempotent, so a batch read twice changes nothing.

On PostgreSQL a long read writes each batch in a thread of its own (``_Writer``, with its own
connection) while the next batch is read, converted and merged: the server's share of a batch
(COPY, index upkeep, the commit's WAL flush) then costs the import no time, where before the
two halves took turns. A batch that names a paper the batch being written names waits for
that write first, so what a batch reads is always what the batches before it wrote.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

import orjson
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F
from django.db.models.base import ModelState
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from tqdm import tqdm

from paperwire.catalogue.models import Paper
from paperwire.catalogue.redate import redate_batch
from paperwire.ingest.merge import MERGED_FIELDS, merge
from paperwire.ingest.models import Checkpoint
from paperwire.ingest.rows import insert_papers, update_papers
from paperwire.sources.records import (
    PaperRecord,
    Pending,
    RecordStream,
    Rejected,
    SourceItem,
)

BATCH_SIZE = 1000
# PostgreSQL pays a round trip, a COPY and a temporary table a batch, and a commit that waits
# for the WAL to reach disk: bigger batches spread that. SQLite's statements cost no round
# trip, and its batches stay at BATCH_SIZE. Memory grows with the batch (the records read,
# the papers merged; about 9 kB a Kaggle record in Python), and the background writer holds
# two batches: 5,000 imported 50,000 records as fast as 10,000 did, with a peak RSS of 300 MB
# instead of 390 MB.
POSTGRES_BATCH_SIZE = 5_000
SQLITE_MAX_PARAMETERS = 999  # the lowest limit an SQLite build may have
KEEP_REJECTIONS = 10_000  # in memory for the report; counting goes on past it


@dataclass
class Summary:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU in the read loop (the database's is not in it)
    resumed_from: str | None = None
    rejections: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"read {self.read:,} · new {self.new:,} · updated {self.updated:,} · "
            f"unchanged {self.unchanged:,} · rejected {self.rejected:,} "
            f"in {self.seconds:.1f} s ({self.rate:,.0f} records/s)"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "read": self.read,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "resumed_from": self.resumed_from,
            "rejections": [{"where": r.where, "reason": r.reason} for r in self.rejections],
            "notes": self.notes,
        }


def saved_cursor(key: str) -> str | None:
    """The cursor an interrupted read of ``key`` stopped at, if one did."""
    return Checkpoint.objects.filter(key=key).values_list("cursor", flat=True).first()


def forget_checkpoint(key: str) -> None:
    Checkpoint.objects.filter(key=key).delete()


class Ingester:
    """Folds a stream of source items into the catalogue, a batch at a time."""

    def __init__(
        self,
        *,
        checkpoint_key: str | None = None,
        batch_size: int | None = None,
        progress: bool = True,
        on_reject: Callable[[Rejected], None] | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.checkpoint_key = checkpoint_key
        self.batch_size = batch_size or default_batch_size()
        self.progress = progress
        self.on_reject = on_reject
        self.out = out or sys.stderr
        self.summary = Summary()
        self.label = ""

    def run(self, stream: RecordStream) -> Summary:
        summary = self.summary
        self.label = stream.label
        if self.checkpoint_key:
            summary.resumed_from = saved_cursor(self.checkpoint_key)
        started, cpu = time.monotonic(), time.process_time()
        bar = tqdm(
            total=stream.total,
            unit=stream.unit,
            unit_scale=True,
            unit_divisor=1024 if stream.unit == "B" else 1000,
            desc=_shorten(stream.label),
            disable=not self.progress,
            file=self.out,
            mininterval=0.5,
            dynamic_ncols=True,
        )
        # Only a read of more than one batch, outside a transaction the caller holds (a
        # thread's connection could not see its rows): a single add stays on one connection.
        writer = (
            _Writer(self)
            if connection.vendor == "postgresql" and not connection.in_atomic_block
            else None
        )
        try:
            batch: list[SourceItem] = []
            for item in stream:
                batch.append(item)
                if len(batch) >= self.batch_size:
                    if writer is None:
                        self._commit(batch, stream.cursor)
                    else:
                        writer.commit(batch, stream.cursor)
                    batch = []
                    self._show(bar, stream, started)
            if writer is not None:
                writer.finish()
            self._commit(batch, stream.cursor)
            if self.checkpoint_key:
                forget_checkpoint(self.checkpoint_key)
            if stream.total is not None:
                bar.update(max(0, stream.total - bar.n))
            self._show(bar, stream, started)
        finally:
            if writer is not None:
                writer.close()
            summary.seconds = time.monotonic() - started
            summary.cpu_seconds = time.process_time() - cpu
            summary.notes = list(stream.notes)
            bar.close()
        return summary

    def _show(self, bar: tqdm[Any], stream: RecordStream, started: float) -> None:
        if bar.disable:
            return
        if stream.position > bar.n:
            bar.update(stream.position - bar.n)
        s = self.summary
        rate = s.read / max(time.monotonic() - started, 1e-9)
        bar.set_postfix_str(
            f"{s.read:,} rec, {rate:,.0f} rec/s, new {s.new:,}, upd {s.updated:,}, "
            f"rej {s.rejected:,}",
            refresh=False,
        )

    def _reject(self, rejected: Rejected) -> None:
        self.summary.rejected += 1
        if len(self.summary.rejections) < KEEP_REJECTIONS:
            self.summary.rejections.append(rejected)
        if self.on_reject:
            self.on_reject(rejected)

    def _commit(self, batch: list[SourceItem], cursor: str | None) -> None:
        if not batch and not self.checkpoint_key:
            return
        for attempt in range(3):
            try:
                counts = self._write(batch, cursor)
                break
            except IntegrityError:
                # Another writer created one of these papers between our read and our
                # insert. Nothing of this batch was kept (one transaction): read it again.
                if attempt == 2:
                    raise
        self._count(len(batch), counts)

    def _count(self, read: int, counts: _Counts) -> None:
        s = self.summary
        s.read += read
        s.new += counts.new
        s.updated += counts.updated
        s.unchanged += counts.unchanged
        for rejected in counts.rejected:
            self._reject(rejected)

    def _write(self, batch: list[SourceItem], cursor: str | None) -> _Counts:
        prepared = self._prepare(batch)
        self._store(prepared, cursor)
        return prepared.counts

    def _prepare(
        self, batch: list[SourceItem], settle: Callable[[set[str]], None] | None = None
    ) -> _Prepared:
        """Read what the batch needs from the catalogue and merge it: everything but the
        writing. ``settle(ids)`` is called before the catalogue is asked about ``ids``."""
        counts = _Counts()
        late: set[str] = set()  # ids a Pending did not know before it was converted
        ids = {item.arxiv_id for item in batch if not isinstance(item, Rejected)}
        if settle:
            settle(ids)
        known = _fingerprints(ids)
        records: list[PaperRecord] = []
        for item in batch:
            if isinstance(item, Pending):
                if item.fingerprint in known.get(item.arxiv_id, ()):
                    counts.unchanged += 1  # this very record is already merged in
                    continue
                resolved = item.resolve()
                if isinstance(resolved, Rejected):
                    counts.rejected.append(resolved)
                else:
                    records.append(resolved)
                    if resolved.arxiv_id not in ids:
                        late.add(resolved.arxiv_id)
            elif isinstance(item, Rejected):
                counts.rejected.append(item)
            else:
                records.append(item)

        if late:
            if settle:
                settle(late)
            known.update(_fingerprints(late))
        loaded = Paper.objects.in_bulk(
            {r.arxiv_id for r in records if r.arxiv_id in known}, field_name="arxiv_id"
        )
        created: dict[str, Paper] = {}
        changed: dict[str, Paper] = {}
        remembered: dict[str, Paper] = {}  # only the fingerprint list moved
        for record in records:
            paper = loaded.get(record.arxiv_id) or created.get(record.arxiv_id)
            if paper is None:
                paper = blank_paper(record.arxiv_id)
                merge(paper, record, fresh=True)
                if not paper.title:
                    counts.rejected.append(Rejected(_where(record), "no title from any source"))
                    continue
                created[record.arxiv_id] = paper
                counts.new += 1
                continue
            fingerprints = list(paper.fingerprints)
            if merge(paper, record):
                counts.updated += 1
                if record.arxiv_id in loaded:
                    changed[record.arxiv_id] = paper
            else:
                counts.unchanged += 1
                if paper.fingerprints != fingerprints and record.arxiv_id in loaded:
                    remembered[record.arxiv_id] = paper

        fingerprint_only = [p for k, p in remembered.items() if k not in changed]
        return _Prepared(
            len(batch), ids | late, list(created.values()), list(changed.values()),
            fingerprint_only, counts,
        )  # fmt: skip

    def _store(self, prepared: _Prepared, cursor: str | None) -> None:
        """Write a prepared batch and the stream's cursor, in one transaction."""
        now = timezone.now()
        with transaction.atomic():
            # Papers just added or changed are the id-neighbours that can move others' days
            # (and merge gave their own the schedule's): in this transaction, so a kill
            # leaves no re-dating owed. Before the writes, so that the batch's own papers are
            # moved before they are written rather than read back and written again.
            redate_batch([*prepared.created, *prepared.changed])
            insert_papers(prepared.created)
            if prepared.changed:
                for paper in prepared.changed:
                    paper.modified_at = now
                fields = [*MERGED_FIELDS, "fingerprints", "modified_at"]
                update_papers(prepared.changed, fields)
            # Not modified_at: nothing anyone reads changed, so nothing downstream re-reads it.
            update_papers(prepared.fingerprint_only, ["fingerprints"])
            if self.checkpoint_key and cursor is not None:
                self._save_checkpoint(cursor, prepared.read)

    def _save_checkpoint(self, cursor: str, records: int) -> None:
        assert self.checkpoint_key
        updated = Checkpoint.objects.filter(key=self.checkpoint_key).update(
            cursor=cursor, records_done=F("records_done") + records
        )
        if not updated:
            Checkpoint.objects.create(
                key=self.checkpoint_key, label=self.label, cursor=cursor, records_done=records
            )


def blank_paper(arxiv_id: str) -> Paper:
    """``Paper(arxiv_id=arxiv_id)``, made at a third of the cost (an import makes one a new
    paper): the model's keyword form asks each of its 32 fields for its default; this one
    hands over defaults worked out once, with a new list for each field whose default is made
    by a call (a paper's JSON lists are its own). The values go straight into the instance
    (7 µs a paper through ``Model.__init__``, 2.5 µs so), which is what ``__init__`` does when
    every field is a plain attribute and nothing listens to the model's init signals; if
    anything does, ``__init__`` is called."""
    values = _BLANK[0].copy()
    for index, make in _BLANK[1]:
        values[index] = make()
    values[_BLANK[2]] = arxiv_id
    if not _BLANK[3] or pre_init.has_listeners(Paper) or post_init.has_listeners(Paper):
        # The stubs read the first positional value as the id's alone.
        made: Paper = cast(Any, Paper)(*values)
        return made
    paper = Paper.__new__(Paper)
    paper._state = ModelState()
    paper.__dict__.update(zip(_ATTNAMES, values, strict=True))
    return paper


def _blank() -> tuple[list[Any], list[tuple[int, Callable[[], Any]]], int, bool]:
    fields = Paper._meta.concrete_fields
    made = [(i, f.default) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]
    values = [f.get_default() for f in fields]
    # Setting a DeferredAttribute's name on an instance is all __init__ does for such a field.
    plain = all(type(Paper.__dict__.get(f.attname)) is DeferredAttribute for f in fields)
    return values, made, [f.attname for f in fields].index("arxiv_id"), plain


_ATTNAMES = [f.attname for f in Paper._meta.concrete_fields]
_BLANK = _blank()


def default_batch_size() -> int:
    return POSTGRES_BATCH_SIZE if connection.vendor == "postgresql" else BATCH_SIZE


def _fingerprints(ids: set[str]) -> dict[str, list[str]]:
    """The stored fingerprints of those of ``ids`` the catalogue has.

    Raw SQL: the ORM's ``__in`` spends more on each id (lookup preparation, and on PostgreSQL
    psycopg's client-side binding of 10,000 placeholders, about a second for 10,000) and on
    each row (``json.loads``) than the whole rest of an unchanged re-import.
    """
    quote = connection.ops.quote_name
    select = (
        f"SELECT {quote('arxiv_id')}, {quote('fingerprints')} "  # noqa: S608
        f"FROM {quote(Paper._meta.db_table)} WHERE {quote('arxiv_id')}"
    )
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if ids:
                cursor.execute(f"{select} = ANY(%s)", [list(ids)])
                found.update((a, _json_list(f)) for a, f in cursor.fetchall())
        else:
            ordered = list(ids)
            for start in range(0, len(ordered), SQLITE_MAX_PARAMETERS):
                chunk = ordered[start : start + SQLITE_MAX_PARAMETERS]
                cursor.execute(f"{select} IN ({', '.join(['%s'] * len(chunk))})", chunk)
                found.update((a, _json_list(f)) for a, f in cursor.fetchall())
    return found


def _json_list(value: Any) -> list[str]:
    # SQLite hands back the JSON text; psycopg may load jsonb itself, or leave it as text
    # (Django registers a loader that leaves JSON to the field).
    return list(orjson.loads(value)) if isinstance(value, str | bytes) else list(value)


@dataclass
class _Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass
class _Prepared:
    """A batch read and merged, waiting to be written."""

    read: int  # items in the batch
    ids: set[str]  # every paper the batch asked the catalogue about
    created: list[Paper]
    changed: list[Paper]
    fingerprint_only: list[Paper]  # only the remembered fingerprints moved
    counts: _Counts


@dataclass
class _InFlight:
    batch: list[SourceItem]
    cursor: str | None
    prepared: _Prepared
    future: Future[None]


class _Writer:
    """Writes an ``Ingester``'s batches in one thread of its own while the next is prepared.

    At most one batch is being written: handing over the next waits for it, so batches are
    committed in order, each with its cursor, and memory holds two batches at most. A write
    that fails on a paper another writer created meanwhile is done again here as a whole
    (read, merge, write), as ``Ingester._commit`` does; any other failure is raised.
    """

    def __init__(self, ingester: Ingester) -> None:
        self.ingester = ingester
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self.flight: _InFlight | None = None

    def commit(self, batch: list[SourceItem], cursor: str | None) -> None:
        prepared = self.ingester._prepare(batch, self._settle)
        self._land()
        future = self.pool.submit(self._store, prepared, cursor)
        self.flight = _InFlight(batch, cursor, prepared, future)

    def finish(self) -> None:
        self._land()

    def close(self) -> None:
        """Let a write in flight end (a failure is dropped: the caller has one to raise),
        then close the thread's connection and the thread."""
        if self.flight is not None:
            self.flight.future.exception()
            self.flight = None
        self.pool.submit(connections.close_all).result()
        self.pool.shutdown()

    def _store(self, prepared: _Prepared, cursor: str | None) -> None:
        self.ingester._store(prepared, cursor)

    def _settle(self, ids: set[str]) -> None:
        """Before ``ids`` are looked up: wait for the batch being written if it names any."""
        if self.flight is not None and not ids.isdisjoint(self.flight.prepared.ids):
            self._land()

    def _land(self) -> None:
        """Wait for the batch being written; count it, or write it again if another writer
        created one of its papers meanwhile."""
        flight, self.flight = self.flight, None
        if flight is None:
            return
        try:
            flight.future.result()
        except IntegrityError:
            self.ingester._commit(flight.batch, flight.cursor)  # read again, retried there
            return
        self.ingester._count(flight.prepared.read, flight.prepared.counts)


def records_of(items: Iterable[SourceItem]) -> list[PaperRecord]:
    """Resolve every item to a record, dropping rejections (for tests and small tools)."""
    out: list[PaperRecord] = []
    for item in items:
        resolved = item.resolve() if isinstance(item, Pending) else item
        if isinstance(resolved, PaperRecord):
            out.append(resolved)
    return out


def _where(record: PaperRecord) -> str:
    return f"{record.where} ({record.arxiv_id})"


def _shorten(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else "…" + label[-(limit - 1) :]
