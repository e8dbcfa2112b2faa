"""Write a whole instance to one file, streaming: a table is read in chunks, never whole."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import TextIOBase
from pathlib import Path
from typing import IO, Any

import orjson
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from tqdm import tqdm

import paperwire
from paperwire.db import ensure_schema
from paperwire.moving.fileformat import FORMAT, FORMAT_VERSION
from paperwire.moving.tables import ENCODERS, EXCLUDED, NATURAL_KEYS, Table, plan

CHUNK = 2000  # rows a database round trip fetches
# Fast, and most of what the slower levels give: the rows are mostly titles, abstracts and
# base64 vectors, and a dump is written and read once.
COMPRESS_LEVEL = 3


@dataclass
class DumpSummary:
    path: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    size: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def dump(
    target: Path | str,
    *,
    progress: bool = True,
    out: TextIOBase | None = None,
) -> DumpSummary:
    """Write every carried table to ``target`` (``-``: standard output). A file appears
    under its name only when complete: it is written beside it and renamed."""
    ensure_schema()
    started = time.monotonic()
    tables = plan()
    summary = DumpSummary(str(target))
    with _snapshot(), _output(target) as sink:
        keys = _natural_keys()
        counts = {t.label: t.model._base_manager.count() for t in tables.tables}
        sink.write(orjson.dumps(_header(counts)) + b"\n")
        for table in tables.tables:
            n = counts[table.label]
            sink.write(orjson.dumps({"model": table.label, "fields": table.names, "rows": n}))
            sink.write(b"\n")
            with tqdm(total=n, desc=table.label, unit="row", unit_scale=True,
                      disable=not progress or n == 0, file=out or sys.stderr,
                      leave=False) as bar:  # fmt: skip
                written = 0
                for line in _rows(table, keys):
                    sink.write(line)
                    written += 1
                    if written % CHUNK == 0:
                        bar.update(CHUNK)
                bar.update(written % CHUNK)
            if written != n:  # the snapshot makes this impossible; say so if it ever is not
                raise RuntimeError(f"{table.label}: counted {n} rows, read {written}")
            summary.counts[table.label] = n
        sink.write(orjson.dumps({"end": sum(counts.values())}) + b"\n")
    summary.seconds = time.monotonic() - started
    if str(target) != "-":
        summary.size = Path(target).stat().st_size
    return summary


def _header(counts: dict[str, int]) -> dict[str, Any]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "paperwire": paperwire.__version__,
        "vendor": connection.vendor,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "migrations": applied,
        "counts": counts,
        "excluded": EXCLUDED,
    }


def _natural_keys() -> dict[str, dict[int, list[str]]]:
    """id -> natural key of each excluded table that carried rows point to."""
    from django.apps import apps

    keys: dict[str, dict[int, list[str]]] = {}
    for label, names in NATURAL_KEYS.items():
        model = apps.get_model(label)
        keys[label] = {
            row[0]: list(row[1:]) for row in model._base_manager.values_list("pk", *names)
        }
    return keys


def _rows(table: Table, keys: dict[str, dict[int, list[str]]]) -> Iterator[bytes]:
    encoders: list[tuple[int, Callable[[Any], Any]]] = []
    for i, column in enumerate(table.columns):
        if column.kind in ENCODERS:
            encoders.append((i, ENCODERS[column.kind]))
        elif column.kind in keys:
            encoders.append((i, keys[column.kind].__getitem__))
    rows = table.model._base_manager.order_by("pk").values_list(*table.names)
    dumps = orjson.dumps
    for row in rows.iterator(chunk_size=CHUNK):
        if encoders:
            values = list(row)
            for i, encode in encoders:
                if values[i] is not None:
                    values[i] = encode(values[i])
            yield dumps(values) + b"\n"
        else:
            yield dumps(row) + b"\n"


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """Every table read as of one moment, while the site and imports go on writing."""
    if connection.in_atomic_block:
        yield  # already inside a transaction (a caller's, a test's): it is the snapshot
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite: a deferred read transaction sees one state of the WAL and holds no lock writers
    # wait for (Django's atomic() would BEGIN IMMEDIATE, taking the write lock for the dump).
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            cursor.execute("COMMIT")


@contextlib.contextmanager
def _output(target: Path | str) -> Iterator[IO[bytes]]:
    if str(target) == "-":
        zipped = gzip.GzipFile(fileobj=sys.stdout.buffer, mode="wb", compresslevel=COMPRESS_LEVEL)
        with zipped, io.BufferedWriter(zipped, 1 << 20) as buffered:  # type: ignore[arg-type]
            yield buffered
        return
    final = Path(target)
    handle, partial = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial",
                                       dir=final.parent)  # fmt: skip
    try:
        with os.fdopen(handle, "wb") as raw:
            zipped = gzip.GzipFile(
                fileobj=raw, mode="wb", compresslevel=COMPRESS_LEVEL, filename=""
            )
            with zipped, io.BufferedWriter(zipped, 1 << 20) as buffered:  # type: ignore[arg-type]
                yield buffered
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
