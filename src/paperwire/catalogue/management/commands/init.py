"""paperwire init"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema


class Command(PaperwireCommand):
    help = (
        "Create the data directory and the database schema (safe to run again). Other "
        "commands do this on first use too; init says where things are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        applied = ensure_schema()
        name = connection.settings_dict["NAME"]
        self.stdout.write(f"data directory: {settings.DATA_DIR}")
        self.stdout.write(f"database: {connection.vendor} {name}")
        self.stdout.write(
            f"schema: {applied} migration(s) applied" if applied else "schema: up to date"
        )
