"""paperwire load"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.moving.fileformat import DumpRefused
from paperwire.moving.reader import load


class Command(PaperwireCommand):
    help = (
        "Load a file written by `paperwire dump` into this paperwire's database (SQLite or "
        "PostgreSQL, either way round): the schema is migrated first, the rows are written "
        "in one transaction (all of them, or none), and the search indexes are marked for "
        "`paperwire reindex`. Refuses a database that already holds data unless --replace."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file written by `paperwire dump`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete everything in the database first (in the same transaction)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            done = load(
                source,
                replace=options["replace"],
                progress=not options["no_progress"],
                out=self.stderr,
            )
        except DumpRefused as exc:
            raise CommandError(" ".join(str(exc).split())) from None
        except FileNotFoundError:
            raise CommandError(f"no such file: {source}") from None
        except OSError as exc:
            raise CommandError(f"cannot read {source}: {exc.strerror or exc}") from None
        rate = done.rows / done.seconds if done.seconds else 0.0
        self.stdout.write(
            f"loaded {done.rows:,} rows of {len(done.counts)} tables "
            f"({done.counts.get('catalogue.Paper', 0):,} papers, "
            f"{done.counts.get('auth.User', 0):,} accounts) from a {done.vendor} dump "
            f"in {done.seconds:.1f} s ({rate:,.0f} rows/s)"
        )
        if done.migrated_after:
            self.stdout.write("the dump came from an older paperwire: its migrations since ran")
        self.stdout.write(
            "next: run `paperwire reindex` to build the search indexes from the loaded papers "
            "and their stored vectors (nothing is re-encoded)"
        )
