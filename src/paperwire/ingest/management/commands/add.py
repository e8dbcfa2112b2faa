"""paperwire add ID-OR-URL"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from paperwire.catalogue.models import Paper
from paperwire.db import ensure_schema
from paperwire.ingest.management.base import IngestCommand
from paperwire.ingest.run import Ingester
from paperwire.sources.arxiv_api import ArxivApiError
from paperwire.sources.arxiv_ids import InvalidArxivId
from paperwire.sources.http import FetchError, PoliteClient
from paperwire.sources.records import ListStream
from paperwire.sources.single import PaperNotFound, fetch_paper
from paperwire.sources.xml import BadXml


class Command(IngestCommand):
    help = (
        "Add one paper (or refresh it) by arXiv id or URL: 2401.01234, 2401.01234v2, "
        "hep-th/9901001, https://arxiv.org/abs/2401.01234, https://arxiv.org/pdf/2401.01234v1"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id_or_url", metavar="ID-OR-URL", help="an arXiv id or arxiv.org URL")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        with PoliteClient(interval=settings.ARXIV_REQUEST_INTERVAL) as client:
            try:
                record = fetch_paper(client, settings.ARXIV_API_URL, options["id_or_url"])
            except (
                InvalidArxivId,
                PaperNotFound,
                ArxivApiError,
                FetchError,
                BadXml,
                ValueError,
            ) as exc:
                raise CommandError(str(exc)) from None
        summary = Ingester(progress=False).run(ListStream([record], options["id_or_url"]))
        self.announce(summary.new + summary.updated, options)
        paper = Paper.objects.get(arxiv_id=record.arxiv_id)
        if summary.new:
            verb = "added"
        elif summary.updated:
            verb = "updated"
        else:
            verb = "unchanged (already in the catalogue)"
        self.stdout.write(f"{verb}: {paper.arxiv_id} v{paper.latest_version or '?'}  {paper.title}")
