"""paperwire similar ID"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.search.engine import UnknownPaper, similar
from paperwire.search.maintenance import catch_up
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url


class Command(PaperwireCommand):
    help = "Papers similar to one paper (by meaning; by shared words until it is embedded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", metavar="ID-OR-URL", help="an arXiv id or arxiv.org URL")
        parser.add_argument("--limit", type=int, default=10, help="results (default 10)")
        parser.add_argument("--json", action="store_true", help="print JSON (for scripts)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["limit"] <= 1000:
            raise CommandError("--limit must be between 1 and 1000")
        try:
            arxiv_id = parse_id_or_url(options["id"]).id
        except InvalidArxivId as exc:
            raise CommandError(str(exc)) from None
        ensure_schema()
        catch_up()
        try:
            response = similar(arxiv_id, options["limit"])
        except UnknownPaper as exc:
            raise CommandError(f"{exc} (paperwire add {arxiv_id})") from None
        if options["json"]:
            rows = [
                {"id": r.paper.arxiv_id, "title": r.paper.title, "score": round(r.score, 6)}
                for r in response.results
            ]
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for note in response.notes:
            self.stderr.write(f"note: {note}")
        self.stdout.write(f"similar to {response.paper.arxiv_id}  {response.paper.title}")
        for number, result in enumerate(response.results, start=1):
            self.stdout.write(
                f"{number:>3}. {result.score:.4f}  {result.paper.arxiv_id}  {result.paper.title}"
            )
