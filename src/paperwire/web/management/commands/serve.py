"""paperwire serve [--host H] [--port P] [--workers N] [--no-follow]"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.search import share_cores


class Command(PaperwireCommand):
    help = "Serve paperwire with Granian (a production server that slow clients cannot hold)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
        parser.add_argument(
            "--no-follow",
            action="store_true",
            help="do not keep this node's search indexes up to date in the background "
            "(PAPERWIRE_INDEX_FOLLOW_SECONDS; on by default on PostgreSQL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {options['port']}")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        ensure_schema()
        # Each worker encodes queries on its own: they share the cores instead of each
        # starting a thread per core. Said before the server forks, so every worker inherits it.
        share_cores(options["workers"])
        from paperwire.web import server

        host = options["host"] if ":" not in options["host"] else f"[{options['host']}]"
        follower = None
        if settings.INDEX_FOLLOW_SECONDS and not options["no_follow"]:
            follower = _start_follower(settings.INDEX_FOLLOW_SECONDS)
            self.stdout.write(
                f"search indexes in {settings.SEARCH_INDEX_DIR} follow the database every "
                f"{settings.INDEX_FOLLOW_SECONDS} s (pid {follower.pid})"
            )
        self.stdout.write(f"paperwire is serving on http://{host}:{options['port']}/")
        self.stdout.flush()
        try:
            server.run(options["host"], options["port"], options["workers"])
        finally:
            if follower is not None:
                follower.terminate()
                follower.wait(timeout=30)


def _start_follower(interval: int) -> subprocess.Popen[bytes]:
    """`paperwire follow` as a child process: the one writer of this node's index directory
    besides imports, outside the server's workers (which only read). Told this process's pid,
    it stops by itself if the server is killed outright."""
    command = [sys.executable, "-m", "paperwire.cli", "follow"]
    return subprocess.Popen([*command, "--interval", str(interval), "--parent", str(os.getpid())])
