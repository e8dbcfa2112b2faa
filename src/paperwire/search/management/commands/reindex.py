"""paperwire reindex"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser
from tqdm import tqdm

from paperwire.catalogue.models import Paper
from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.search import rebuilds
from paperwire.search.backends import IndexUnavailable, SearchBackend, get_backend
from paperwire.search.embedding_jobs import pending
from paperwire.search.embeddings import current_model_id
from paperwire.search.models import Embedding
from paperwire.search.rebuilds import LEXICAL, VECTORS, mark_unfinished


class Command(PaperwireCommand):
    help = (
        "Rebuild the search indexes from the database: the keyword index and the vector "
        "index (from the stored embeddings; nothing is re-encoded). Run it when an index is "
        "lost, corrupt or stale; `paperwire embed` computes missing embeddings. A rebuild "
        "cut short (killed, crashed) is started over by the next run, --if-needed too."
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
        parts = [
            part
            for part, skipped in (
                (LEXICAL, options["vectors_only"]),
                (VECTORS, options["lexical_only"]),
            )
            if not skipped
        ]
        unfinished = rebuilds.unfinished()
        restarted = [part for part in parts if part in unfinished]
        if restarted:
            self.stderr.write(
                f"Starting over: an earlier `paperwire reindex` stopped before it had rebuilt "
                f"the {' and the '.join(restarted)}; rebuilding from the start."
            )
        rebuild = {part for part in parts if part in unfinished or not options["if_needed"]}
        unfinished |= rebuild
        mark_unfinished(unfinished)
        for part in parts:
            if part == LEXICAL:
                self._lexical(backend, rebuild=part in rebuild, quiet=options["no_progress"])
            else:
                self._vectors(backend, rebuild=part in rebuild, quiet=options["no_progress"])
            unfinished.discard(part)
            mark_unfinished(unfinished)

    def _lexical(self, backend: SearchBackend, *, rebuild: bool, quiet: bool) -> None:
        started = time.monotonic()
        with tqdm(
            total=Paper.objects.count(),
            unit="paper",
            desc=LEXICAL,
            disable=quiet,
            file=self.stderr,
        ) as bar:
            if rebuild:
                count = backend.rebuild_lexical(bar.update)
            else:
                count = backend.refresh_lexical(bar.update)
        self.stdout.write(f"{LEXICAL}: {count:,} papers in {time.monotonic() - started:.1f} s")

    def _vectors(self, backend: SearchBackend, *, rebuild: bool, quiet: bool) -> None:
        model = current_model_id()
        started = time.monotonic()
        total = Embedding.objects.filter(model=model).count()
        vectors: int | None
        with tqdm(total=total, unit="vec", desc=VECTORS, disable=quiet, file=self.stderr) as bar:
            try:
                if rebuild:
                    vectors = backend.rebuild_vectors(model, bar.update)
                else:
                    vectors = backend.sync_vectors(model, bar.update)
            except IndexUnavailable as exc:
                # Said, and not a rebuild cut short: the next run need not start it over.
                self.stderr.write(f"{VECTORS}: {exc}")
                vectors = None
        if vectors is not None:
            self.stdout.write(
                f"{VECTORS}: {vectors:,} vectors in {time.monotonic() - started:.1f} s"
            )
        waiting = pending(model).count()
        if waiting:
            self.stdout.write(
                f"{waiting:,} papers have no up-to-date embedding yet: run `paperwire embed`"
            )
