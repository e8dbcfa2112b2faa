"""paperwire dump"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.moving.writer import dump


class Command(PaperwireCommand):
    help = (
        "Write the whole instance (papers, accounts, votes, libraries, comments, groups, "
        "subscribers and their digests, stored vectors...) to one gzip'd JSON Lines file, "
        "for `paperwire load` into a database of either kind (SQLite or PostgreSQL). Reads "
        "one consistent state while the site keeps serving. The search indexes are not "
        "written: `paperwire reindex` rebuilds them from the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to write (- for standard output)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["file"]
        try:
            done = dump(target, progress=not options["no_progress"], out=self.stderr)
        except OSError as exc:
            raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from None
        rate = done.rows / done.seconds if done.seconds else 0.0
        line = (
            f"dumped {done.rows:,} rows of {len(done.counts)} tables "
            f"({_papers_and_accounts(done.counts)}) in {done.seconds:.1f} s ({rate:,.0f} rows/s)"
        )
        if target != "-":
            line += f" to {target} ({done.size / 1e6:,.1f} MB)"
        self.stderr.write(line) if target == "-" else self.stdout.write(line)


def _papers_and_accounts(counts: dict[str, int]) -> str:
    return f"{counts.get('catalogue.Paper', 0):,} papers, {counts.get('auth.User', 0):,} accounts"
