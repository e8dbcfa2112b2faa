"""paperwire worker: the task queue's consumer — scheduled digests and the daily harvest."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema


class Command(PaperwireCommand):
    help = (
        "Run the background worker (Huey): digests at PAPERWIRE_DIGEST_HOUR, the arXiv harvest "
        "at PAPERWIRE_HARVEST_HOUR. Its queue is a SQLite file in the data directory, or Redis "
        "when PAPERWIRE_QUEUE_URL says so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        # The hourly check is not in an app's tasks module, which run_huey finds by itself.
        import paperwire.schedule  # noqa: F401

        call_command("run_huey", workers=options["workers"], worker_type="thread")
