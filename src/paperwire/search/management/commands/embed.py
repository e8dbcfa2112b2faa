"""paperwire embed [--loop]"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.search.backends import IndexUnavailable, get_backend
from paperwire.search.claims import held_by_others, lease_seconds, run_name
from paperwire.search.embedding_jobs import BATCH, embed_pending, embedding_progress, pending
from paperwire.search.embeddings import (
    VARIANTS,
    EmbedderUnavailable,
    chosen,
    cores,
    forget_loaded,
    get_embedder,
)
from paperwire.search.quantize import make_when_due


class Command(PaperwireCommand):
    help = (
        "Compute embeddings for papers that have none (or whose title or abstract changed), "
        "newest first, and add them to the vector index. Resumable: stop it at any time. "
        "--loop keeps running and picks up new papers as they arrive. Runs on several "
        "machines against one database share the work: each claims its own batches."
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
        parser.add_argument(
            "--batch",
            type=int,
            default=BATCH,
            help=f"papers claimed, encoded and written at a time (default {BATCH})",
        )
        parser.add_argument(
            "--lease",
            type=float,
            help="seconds a claim on a batch holds before another run may take the batch over "
            "(default PAPERWIRE_EMBED_LEASE_SECONDS, 600)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            help="cores to run the model on, a batch on each (default: every core)",
        )
        parser.add_argument(
            "--variant",
            choices=("auto", *VARIANTS),
            default="auto",
            help="model variant: auto (default) runs the one measured fastest on this CPU",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("batch", "threads", "lease"):
            if options[name] is not None and options[name] <= 0:
                raise CommandError(f"--{name} must be more than 0")
        ensure_schema()
        variant = None if options["variant"] == "auto" else options["variant"]
        self._auto = variant is None and settings.EMBED_VARIANT == "auto"
        if self._auto and make_when_due(self.stderr.write):  # a candidate for the choice
            forget_loaded()
        embedder = self._embedder(variant, options)
        self._owner = run_name()
        self._lease = options["lease"] if options["lease"] is not None else lease_seconds()
        self._stop = False
        signal.signal(signal.SIGTERM, self._on_term)
        self._say_where_it_resumes(embedder.model_id)
        while True:
            self._round(embedder, options)
            if not options["loop"] or self._stop:
                return
            time.sleep(options["interval"])
            if self._auto and make_when_due(self.stderr.write):
                # The catalogue has grown enough to calibrate openvino-int8 on: the choice
                # is measured again with it.
                forget_loaded()
                embedder = self._embedder(variant, options)

    def _embedder(self, variant: str | None, options: dict[str, Any]) -> Any:
        """The model to run, a lane per core with one thread each (see OnnxEmbedder)."""
        try:
            embedder = get_embedder(1, variant, lanes=options["threads"] or cores())
        except EmbedderUnavailable as exc:
            raise CommandError(str(exc)) from None
        if (choice := chosen(embedder)) is not None:
            self.stdout.write(choice.describe())
        return embedder

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
        elsewhere = 0
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
                summary = embed_pending(
                    embedder,
                    limit=step,
                    batch=options["batch"],
                    progress=bar.update,
                    owner=self._owner,
                    lease=self._lease,
                )
                done += summary.handled
                encoded += summary.encoded
                elsewhere += summary.elsewhere
                self._sync(backend, embedder.model_id)
                if summary.handled == 0:
                    break
        seconds = time.monotonic() - started
        if options["loop"] and done == elsewhere:
            return  # a poll that found only other runs' batches: nothing to say every time
        others = held_by_others(self._owner).count()
        self.stdout.write(
            f"embedded {encoded:,} papers ({done - encoded - elsewhere:,} unchanged) in "
            f"{seconds:.1f} s ({encoded / seconds if seconds else 0:,.1f} papers/s)"
            + (f"; {others:,} papers claimed by other runs" if others else "")
        )

    def _sync(self, backend: Any, model: str) -> None:
        try:
            backend.sync_vectors(model)
        except IndexUnavailable as exc:
            self.stderr.write(f"vector index: {exc}")
