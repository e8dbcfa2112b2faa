"""What every command that reads a source shares: progress, resume, report, exit status."""

from __future__ import annotations

import gc
import hashlib
import json
from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from paperwire.catalogue.signals import papers_changed
from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.ingest.run import Ingester, Summary, forget_checkpoint, saved_cursor
from paperwire.sources.records import RecordStream, Rejected

MAX_PRINTED_REJECTIONS = 1000


def add_ingest_options(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="records per transaction (default 1000 on SQLite, 5000 on PostgreSQL)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--restart",
        action="store_true",
        help="start from the beginning even if an earlier run of the same read was interrupted",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="also write every rejected record to FILE"
    )
    parser.add_argument(
        "--no-index",
        action="store_true",
        help="leave the search indexes alone (run `paperwire reindex --if-needed` later)",
    )


def file_checkpoint_key(kind: str, path: Path) -> str:
    """Names one read of one file: the same file unchanged resumes, a changed one starts over."""
    stat = path.stat()
    identity = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return f"import:{kind}:{hashlib.sha256(identity.encode()).hexdigest()[:24]}"


def existing_file(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.exists():
        raise CommandError(f"no such file or directory: {value}")
    return path


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cycle collector, made to walk less during a long read: the objects alive at its
    start (Django, the modules: most of the heap) are frozen out of its passes, and the young
    generation is collected every 10,000 allocations instead of 700. Every record makes dozens
    of containers, so the default passes came often and walked everything: on 20,000 Kaggle
    records, reading, converting and merging took 120 µs a record, 95 µs so (89 µs with no
    collection at all), with the same peak RSS. Cycles are still collected; the process's own
    settings come back at the end. For a command's process only: the settings are global."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


class IngestCommand(PaperwireCommand):
    """Base for import / harvest / add: subclasses build a stream, this runs and reports it."""

    def run_stream(
        self,
        open_stream: Callable[[str | None], RecordStream],
        key: str | None,
        options: dict[str, Any],
    ) -> Summary:
        ensure_schema()
        if key and options.get("restart"):
            forget_checkpoint(key)
        cursor = saved_cursor(key) if key else None
        stream = open_stream(cursor)
        if cursor is not None:
            self.stderr.write(
                f"Resuming {stream.label} at {cursor!r}: an earlier run stopped there."
            )
        printed = 0

        def on_reject(rejected: Rejected) -> None:
            nonlocal printed
            if printed < MAX_PRINTED_REJECTIONS:
                self.stderr.write(f"rejected {rejected.where}: {rejected.reason}")
            printed += 1

        ingester = Ingester(
            checkpoint_key=key,
            batch_size=None if options.get("batch_size") is None else max(1, options["batch_size"]),
            progress=not options["no_progress"],
            on_reject=on_reject,
        )
        with fewer_collections():
            summary = ingester.run(stream)
        self.announce(summary.new + summary.updated, options)
        self.report(summary, options)
        return summary

    def announce(self, changed: int, options: dict[str, Any]) -> None:
        """Tell what follows the catalogue (the search indexes, the names of the author pages)
        that papers changed; ``--no-index`` leaves only the search indexes for later."""
        if not changed:
            return
        search = not options.get("no_index")
        for _, line in papers_changed.send(sender=type(self), changed=changed, search=search):
            if line:
                self.stderr.write(str(line))

    def report(self, summary: Summary, options: dict[str, Any]) -> None:
        for note in summary.notes:
            self.stderr.write(f"note: {note}")
        if summary.rejected > MAX_PRINTED_REJECTIONS:
            self.stderr.write(
                f"... {summary.rejected - MAX_PRINTED_REJECTIONS:,} more rejected "
                "(use --report FILE for the full list)"
            )
        if options.get("report"):
            with open(options["report"], "w") as handle:
                for rejected in summary.rejections:
                    handle.write(f"{rejected.where}\t{rejected.reason}\n")
        if options.get("json"):
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
        else:
            self.stdout.write(summary.line())
        if summary.rejected:
            raise CommandError(
                f"{summary.rejected:,} record(s) rejected (listed above); the rest was imported",
                returncode=1,
            )
