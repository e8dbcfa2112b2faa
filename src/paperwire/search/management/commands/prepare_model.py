"""paperwire prepare_model"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.search.embeddings import (
    EmbedderUnavailable,
    OnnxEmbedder,
    choose_variant,
    cores,
    model_files,
)


class Command(PaperwireCommand):
    help = (
        "Make the ONNX embedding models (fp32 and int8) from the packaged all-MiniLM-L6-v2 "
        "weights, then time both on this CPU and note the faster (once; `make install` runs "
        "it). Needs torch and transformers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="make the models again")

    def handle(self, *args: Any, **options: Any) -> None:
        from paperwire.search.model_export import export

        started = time.monotonic()
        try:
            paths = export(force=options["force"])
        except (ImportError, EmbedderUnavailable) as exc:
            raise CommandError(f"cannot make the model: {exc}") from None
        try:
            # Measured again here: the models may be new, or the machine another.
            choice = choose_variant(cores(), remeasure=True)
            embedder = OnnxEmbedder(model_files(choice.variant), threads=cores())
            vector = embedder.encode_queries(["a quick check"])[0]
        except EmbedderUnavailable as exc:
            raise CommandError(str(exc)) from None
        for path in paths:
            self.stdout.write(f"model ready: {path} ({path.stat().st_size / 1e6:.0f} MB)")
        self.stdout.write(choice.describe())
        self.stdout.write(f"{len(vector)} dimensions; done in {time.monotonic() - started:.1f} s")
