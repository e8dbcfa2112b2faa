"""paperwire serve [--host H] [--port P] [--workers N]"""

from __future__ import annotations

from typing import Any

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
        self.stdout.write(f"paperwire is serving on http://{host}:{options['port']}/")
        self.stdout.flush()
        server.run(options["host"], options["port"], options["workers"])
