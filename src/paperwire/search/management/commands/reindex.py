"""paperwire reindex"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser
from tqdm import tqdm

from paperwire.catalogue.models import Paper
from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.search.backends import IndexUnavailable, get_backend
from paperwire.search.embedding_jobs import pending
from paperwire.search.embeddings import current_model_id
from paperwire.search.models import Embedding


class Command(PaperwireCommand):
    help = (
        "Rebuild the search indexes from the database: the keyword index and the vector "
        "index (from the stored embeddings; nothing is re-encoded). Run it when an index is "
        "lost, corrupt or stale; `paperwire embed` computes missing embeddings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lexical-only", action="store_true", help="only the keyword index")
        parser.add_argument("--vectors-only", action="store_true", help="only the vector index")
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="only bring the indexes up to date (fast; safe to run on every start)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        backend = get_backend()
        before = backend.status()
        for problem in before.problems:
            self.stderr.write(f"found: {problem}")
        quiet = options["no_progress"]
        model = current_model_id()
        if not options["vectors_only"]:
            started = time.monotonic()
            with tqdm(
                total=Paper.objects.count(),
                unit="paper",
                desc="keyword index",
                disable=quiet,
                file=self.stderr,
            ) as bar:
                if options["if_needed"]:
                    count = backend.refresh_lexical(bar.update)
                else:
                    count = backend.rebuild_lexical(bar.update)
            self.stdout.write(
                f"keyword index: {count:,} papers in {time.monotonic() - started:.1f} s"
            )
        if not options["lexical_only"]:
            started = time.monotonic()
            total = Embedding.objects.filter(model=model).count()
            vectors: int | None
            with tqdm(
                total=total, unit="vec", desc="vector index", disable=quiet, file=self.stderr
            ) as bar:
                try:
                    if options["if_needed"]:
                        vectors = backend.sync_vectors(model, bar.update)
                    else:
                        vectors = backend.rebuild_vectors(model, bar.update)
                except IndexUnavailable as exc:
                    self.stderr.write(f"vector index: {exc}")
                    vectors = None
            if vectors is not None:
                self.stdout.write(
                    f"vector index: {vectors:,} vectors in {time.monotonic() - started:.1f} s"
                )
            waiting = pending(model).count()
            if waiting:
                self.stdout.write(
                    f"{waiting:,} papers have no up-to-date embedding yet: run `paperwire embed`"
                )
