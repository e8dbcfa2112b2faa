"""paperwire add ID-OR-URL"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.ingest.single import FetchFailed, fetch_and_ingest


class Command(PaperwireCommand):
    help = (
        "Add one paper (or refresh it) by arXiv id or URL: 2401.01234, 2401.01234v2, "
        "hep-th/9901001, https://arxiv.org/abs/2401.01234, https://arxiv.org/pdf/2401.01234v1"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id_or_url", metavar="ID-OR-URL", help="an arXiv id or arxiv.org URL")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        try:
            fetched = fetch_and_ingest(options["id_or_url"])
        except FetchFailed as exc:
            raise CommandError(str(exc)) from None
        for note in fetched.notes:
            self.stderr.write(note)
        paper, summary = fetched.paper, fetched.summary
        if summary.new:
            verb = "added"
        elif summary.updated:
            verb = "updated"
        else:
            verb = "unchanged (already in the catalogue)"
        self.stdout.write(f"{verb}: {paper.arxiv_id} v{paper.latest_version or '?'}  {paper.title}")
