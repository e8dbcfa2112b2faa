"""paperwire embed [--loop]"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.search.backends import IndexUnavailable, get_backend
from paperwire.search.embedding_jobs import embed_pending, embedding_progress, pending
from paperwire.search.embeddings import EmbedderUnavailable, get_embedder


class Command(PaperwireCommand):
    help = (
        "Compute embeddings for papers that have none (or whose title or abstract changed), "
        "newest first, and add them to the vector index. Resumable: stop it at any time. "
        "--loop keeps running and picks up new papers as they arrive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running; poll for new papers")
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="seconds between polls with --loop (default 30)",
        )
        parser.add_argument("--limit", type=int, help="stop after this many papers")
        parser.add_argument(
            "--sync-every",
            type=int,
            default=2048,
            help="add to the vector index every this many papers (default 2048)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        try:
            embedder = get_embedder()
        except EmbedderUnavailable as exc:
            raise CommandError(str(exc)) from None
        self._stop = False
        signal.signal(signal.SIGTERM, self._on_term)
        self._say_where_it_resumes(embedder.model_id)
        while True:
            self._round(embedder, options)
            if not options["loop"] or self._stop:
                return
            time.sleep(options["interval"])

    def _say_where_it_resumes(self, model: str) -> None:
        """One line when some papers are embedded already and some are not: each batch is
        committed on its own, so a run stopped at any point (a kill) left its work behind and
        this one embeds only the rest."""
        progress = embedding_progress(model)
        if progress is not None and progress.embedded and not progress.complete:
            self.stderr.write(
                f"Resuming: {progress.embedded:,} papers already embedded, "
                f"{progress.total - progress.embedded:,} to go."
            )

    def _on_term(self, *_: object) -> None:
        self._stop = True

    def _round(self, embedder: Any, options: dict[str, Any]) -> None:
        backend = get_backend()
        todo = pending(embedder.model_id).count()
        if options["limit"]:
            todo = min(todo, options["limit"])
        if not todo:
            self._sync(backend, embedder.model_id)
            return
        done = 0
        encoded = 0
        started = time.monotonic()
        with tqdm(
            total=todo,
            unit="paper",
            desc="embedding",
            disable=options["no_progress"],
            file=self.stderr,
        ) as bar:
            while done < todo and not self._stop:
                step = min(options["sync_every"], todo - done)
                summary = embed_pending(embedder, limit=step, progress=bar.update)
                done += summary.encoded + summary.unchanged
                encoded += summary.encoded
                self._sync(backend, embedder.model_id)
                if summary.encoded + summary.unchanged == 0:
                    break
        seconds = time.monotonic() - started
        self.stdout.write(
            f"embedded {encoded:,} papers ({done - encoded:,} unchanged) in {seconds:.1f} s "
            f"({encoded / seconds if seconds else 0:,.1f} papers/s)"
        )

    def _sync(self, backend: Any, model: str) -> None:
        try:
            backend.sync_vectors(model)
        except IndexUnavailable as exc:
            self.stderr.write(f"vector index: {exc}")
