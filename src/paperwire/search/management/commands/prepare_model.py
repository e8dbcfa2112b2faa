"""paperwire prepare_model"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.search.embeddings import EmbedderUnavailable, get_embedder


class Command(PaperwireCommand):
    help = (
        "Make the int8 ONNX embedding model from the packaged all-MiniLM-L6-v2 weights "
        "(once; `make install` runs it). Needs torch and transformers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="make it again")

    def handle(self, *args: Any, **options: Any) -> None:
        from paperwire.search.model_export import export

        started = time.monotonic()
        try:
            path = export(force=options["force"])
        except (ImportError, EmbedderUnavailable) as exc:
            raise CommandError(f"cannot make the model: {exc}") from None
        try:
            embedder = get_embedder()
            vector = embedder.encode_queries(["a quick check"])[0]
        except EmbedderUnavailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"model ready: {path} ({path.stat().st_size / 1e6:.0f} MB, {len(vector)} dimensions) "
            f"in {time.monotonic() - started:.1f} s"
        )
