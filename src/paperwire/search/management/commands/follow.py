"""paperwire follow [--interval S] [--once]"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.search.follower import follow, follow_once


class Command(PaperwireCommand):
    help = (
        "Keep this node's search indexes (PAPERWIRE_INDEX_DIR) in step with the database: what "
        "`paperwire serve` runs beside itself on PostgreSQL. --once catches up and stops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between rounds (default PAPERWIRE_INDEX_FOLLOW_SECONDS, else 10)",
        )
        parser.add_argument("--once", action="store_true", help="one round, then stop")
        # Given by `paperwire serve`: stop when that process is gone.
        parser.add_argument("--parent", type=int, default=None, help="stop when this pid exits")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.INDEX_FOLLOW_SECONDS or 10
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds")
        ensure_schema()
        if options["once"]:
            result = follow_once()
            self.stdout.write(result.line())
            return
        self.stdout.write(
            f"following the database into {settings.SEARCH_INDEX_DIR} every {interval:g} s "
            f"(pid {os.getpid()})"
        )
        self.stdout.flush()
        follow(interval, parent=options["parent"])
