"""paperwire import kaggle|jsonl|hf-daily PATH"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.ingest.management.base import (
    IngestCommand,
    add_ingest_options,
    existing_file,
    file_checkpoint_key,
)
from paperwire.ingest.skim import Skimmed
from paperwire.sources.hf_daily import HfDailyStream
from paperwire.sources.kaggle import kaggle_stream
from paperwire.sources.listings import listing_stream
from paperwire.sources.records import RecordStream


class Command(IngestCommand):
    help = (
        "Import papers from a file: the Kaggle arXiv snapshot, JSON Lines of arXiv's daily "
        "listings, or Hugging Face daily-papers JSON. Safe to run again: unchanged records "
        "are skipped, and an interrupted import resumes where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", metavar="{kaggle,jsonl,hf-daily}")
        kinds.required = True
        specs = {
            "kaggle": ("FILE", "the Kaggle arXiv metadata snapshot (JSON Lines, plain or .gz)"),
            "jsonl": ("FILE", "JSON Lines of arXiv daily-listing records (plain or .gz)"),
            "hf-daily": (
                "PATH",
                "Hugging Face daily-papers JSON: a day's file, a directory of them, "
                "or JSON Lines with a daily_date per line",
            ),
        }
        for kind, (metavar, text) in specs.items():
            sub = kinds.add_parser(kind, help=text, description=text)
            sub.add_argument("path", metavar=metavar, help=text)
            add_ingest_options(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        path = existing_file(options["path"])
        if kind in ("kaggle", "jsonl") and not path.is_file():
            raise CommandError(f"not a file: {path}")

        def open_stream(cursor: str | None) -> RecordStream:
            if kind == "kaggle":
                return Skimmed(kaggle_stream(path, cursor))
            if kind == "jsonl":
                return Skimmed(listing_stream(path, cursor))
            return HfDailyStream(path, cursor)

        self.run_stream(open_stream, file_checkpoint_key(kind, path), options)
