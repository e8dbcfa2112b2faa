"""paperwire harvest arxiv|oai ..."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from paperwire.command import date_option
from paperwire.ingest.management.base import IngestCommand, add_ingest_options
from paperwire.sources.arxiv_api import ArxivApiError, harvest_category
from paperwire.sources.arxiv_ids import is_arxiv_category
from paperwire.sources.http import FetchError, PoliteClient
from paperwire.sources.oai import OaiError, OaiStream
from paperwire.sources.records import RecordStream
from paperwire.sources.xml import BadXml


class Command(IngestCommand):
    help = (
        "Harvest new papers from arXiv: through its search API by category and date, or "
        "through OAI-PMH by set and date. Polite (one request per "
        "PAPERWIRE_ARXIV_REQUEST_INTERVAL seconds, 3 by default) and resumable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", metavar="{arxiv,oai}")
        kinds.required = True
        api = kinds.add_parser(
            "arxiv",
            help="the arXiv API (Atom): one category, papers submitted since a date",
            description="Harvest one category from the arXiv API, papers submitted since DATE.",
        )
        api.add_argument("--category", required=True, help="an arXiv category, e.g. cs.LG")
        api.add_argument("--since", required=True, help="first submission date, YYYY-MM-DD")
        api.add_argument("--until", help="last submission date, YYYY-MM-DD (default: today)")
        add_ingest_options(api)
        oai = kinds.add_parser(
            "oai",
            help="arXiv OAI-PMH: every record of a set changed since a date",
            description=(
                "Harvest arXiv's OAI-PMH ListRecords for a set, from a date. A harvest that was "
                "stopped resumes at its saved resumptionToken, or from the first page once arXiv "
                "has let that token expire."
            ),
        )
        oai.add_argument(
            "--set", dest="set_spec", required=True, help="e.g. cs, math, physics:hep-th"
        )
        oai.add_argument("--from", dest="from_date", required=True, help="YYYY-MM-DD")
        oai.add_argument("--until", help="YYYY-MM-DD (default: open-ended)")
        oai.add_argument(
            "--format",
            dest="metadata_prefix",
            default="arXiv",
            choices=["arXiv", "arXivRaw", "oai_dc"],
            help="metadata format (default arXiv; arXivRaw carries every version's date)",
        )
        add_ingest_options(oai)

    def handle(self, *args: Any, **options: Any) -> None:
        client = PoliteClient(interval=settings.ARXIV_REQUEST_INTERVAL)
        try:
            if options["kind"] == "arxiv":
                self._arxiv(client, options)
            else:
                self._oai(client, options)
        except (ArxivApiError, OaiError, FetchError, BadXml) as exc:
            raise CommandError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from None
        finally:
            client.close()

    def _arxiv(self, client: PoliteClient, options: dict[str, Any]) -> None:
        category = options["category"]
        if not is_arxiv_category(category):
            raise CommandError(f"not an arXiv category: {category!r} (e.g. cs.LG, math.AG, hep-th)")
        since = date_option(options["since"])
        until = date_option(options["until"]) if options["until"] else None
        if until and until < since:
            raise CommandError("--until is before --since")
        key = f"harvest:arxiv:{category}:{since}:{until or 'open'}"

        def open_stream(cursor: str | None) -> RecordStream:
            return harvest_category(
                client, settings.ARXIV_API_URL, category, since, until, cursor=cursor
            )

        self.run_stream(open_stream, key, options)

    def _oai(self, client: PoliteClient, options: dict[str, Any]) -> None:
        from_date = date_option(options["from_date"])
        until = date_option(options["until"]) if options["until"] else None
        if until and until < from_date:
            raise CommandError("--until is before --from")
        set_spec = options["set_spec"]
        prefix = options["metadata_prefix"]
        key = f"harvest:oai:{set_spec}:{from_date}:{until or 'open'}:{prefix}"

        def open_stream(cursor: str | None) -> RecordStream:
            return OaiStream(
                client,
                settings.ARXIV_OAI_URL,
                set_spec=set_spec,
                from_date=from_date,
                until_date=until,
                metadata_prefix=prefix,
                cursor=cursor,
            )

        try:
            self.run_stream(open_stream, key, options)
        except OaiError as exc:
            # arXiv's resumption tokens expire (within a day): one saved by a run that was
            # stopped can be refused when the harvest is resumed later. The list can then
            # only be read again from its first page (papers already harvested come back
            # unchanged), which beats a checkpoint that fails every rerun until --restart.
            if exc.code != "badResumptionToken" or options.get("restart"):
                raise
            self.stderr.write(
                "arXiv no longer accepts the saved resumptionToken (they expire): "
                "starting the harvest over from its first page."
            )
            self.run_stream(open_stream, key, {**options, "restart": True})
