"""paperwire stats [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from paperwire.catalogue.stats import catalogue_stats
from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema


class Command(PaperwireCommand):
    help = "Count the catalogue's papers: in all, by category, by day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON (for scripts)")
        parser.add_argument("--days", type=int, default=14, help="days shown (default 14)")
        parser.add_argument(
            "--categories", type=int, default=20, help="categories shown (default 20; 0 = all)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        stats = catalogue_stats(
            days=max(0, options["days"]), categories=options["categories"] or None
        )
        if options["json"]:
            self.stdout.write(json.dumps(stats, indent=2))
            return
        w = self.stdout.write
        w(f"papers          {stats['papers']:>10,}")
        w(f"hidden          {stats['hidden']:>10,}")
        w(f"on daily lists  {stats['on_daily_lists']:>10,}")
        w(f"upvoted         {stats['upvoted']:>10,}")
        if stats["first_day"]:
            w(f"days            {stats['first_day']} … {stats['last_day']}")
        for title, key in (
            ("by category (cross-lists included)", "by_category"),
            ("by primary category", "by_primary_category"),
            ("by day (newest first)", "by_day"),
            ("by source", "by_source"),
        ):
            if stats[key]:
                w(f"\n{title}:")
                for name, count in stats[key].items():
                    w(f"  {name:<14} {count:>10,}")
