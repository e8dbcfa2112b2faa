"""The model in int8 for OpenVINO (variant ``openvino-int8``), calibrated on the catalogue.

onnxruntime's int8 file quantises each batch's activations on the fly; OpenVINO runs a
statically quantised model faster, but a static model needs the activations' ranges ahead
of time, measured on texts like the ones it will embed. So this variant is made on the
machine that embeds, from its own catalogue's titles and abstracts, by NNCF (OpenVINO's
quantiser): 300 papers take about 30 s. On an AMD EPYC with AVX-512 VNNI it ran at 1.64x
onnxruntime's int8, with vectors closer to fp32's (cosine 0.997 against 0.995).

Calibration texts are the catalogue's oldest papers (lowest keys): every machine that shares
the database picks the same ones, so every machine's variant is the same. Until the
catalogue holds ``CALIBRATION_MIN`` papers the variant waits: calibrating on a handful of
texts would fix ranges that real abstracts then overflow. The file is kept beside the
model files, else (a read-only install) in the data folder, and is made once.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from paperwire.search.documents import embedding_text
from paperwire.search.embeddings import (
    EmbedderUnavailable,
    load_tokenizer,
    model_inputs,
    onnx_path,
    openvino_installed,
    quantized_path,
    source_dir,
)

CALIBRATION = 300  # texts the ranges are measured on (NNCF's default subset)
CALIBRATION_MIN = 1000  # papers the catalogue holds before the variant is made


def quantizer_installed() -> bool:
    """Whether this install can make the variant: OpenVINO and NNCF both present."""
    return openvino_installed() and importlib.util.find_spec("nncf") is not None


def quantize(texts: Sequence[str], say: Callable[[str], object] = print) -> Path:
    """Quantise the fp32 model on ``texts`` (calibration) and keep it; returns its path."""
    if not quantizer_installed():
        raise EmbedderUnavailable("nncf and openvino are not installed (make install)")
    # Imported by name: optional packages without type information.
    openvino: Any = importlib.import_module("openvino")
    nncf: Any = importlib.import_module("nncf")
    tokenizer = load_tokenizer(source_dir() / "tokenizer.json")

    def feed(text: str) -> dict[str, np.ndarray]:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        return model_inputs(ids, np.ones_like(ids))

    say(f"making the openvino-int8 model variant: calibrating on {len(texts)} papers")
    model = openvino.Core().read_model(str(onnx_path("fp32")))
    quantized = nncf.quantize(
        model,
        nncf.Dataset(list(texts), feed),
        model_type=nncf.ModelType.TRANSFORMER,  # keeps attention's softmax inputs in float
        subset_size=len(texts),
    )
    path = quantized_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name, then moved: a run killed mid-write leaves no half
    # model that a later run would load.
    partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp.xml")
    openvino.save_model(quantized, str(partial))
    partial.with_suffix(".bin").replace(path.with_suffix(".bin"))
    partial.replace(path)
    say(f"kept the openvino-int8 model variant in {path}")
    return path


def calibration_texts() -> list[str] | None:
    """The texts of the catalogue's ``CALIBRATION`` oldest papers, once it holds
    ``CALIBRATION_MIN`` papers; None before."""
    from paperwire.catalogue.models import Paper

    if not _large_enough():
        return None
    papers = Paper.objects.order_by("pk").values_list("title", "abstract")[:CALIBRATION]
    return [embedding_text(title, abstract) for title, abstract in papers]


def _large_enough() -> bool:
    from paperwire.catalogue.models import Paper

    return Paper.objects.order_by("pk")[CALIBRATION_MIN - 1 : CALIBRATION_MIN].exists()


# A quantisation that failed in this process is not tried again by it (a long-running
# `paperwire embed --loop` would spend half a minute on it at every poll).
_failed = False


def quantized_due() -> bool:
    """Whether this process could make the variant now and has not: cheap (no catalogue
    query) when it is made already or cannot be made here."""
    if _failed or not quantizer_installed() or quantized_path().exists():
        return False
    return _large_enough()


def make_when_due(say: Callable[[str], object] = print) -> bool:
    """Make the variant if this install can, it is not made yet and the catalogue is large
    enough; whether it was made now. A failure is one line and leaves the other variants."""
    global _failed
    if not quantized_due():
        return False
    texts = calibration_texts()
    if texts is None:
        return False
    try:
        quantize(texts, say)
    except Exception as exc:  # NNCF and OpenVINO raise their own types
        _failed = True
        reason = " ".join(str(exc).split())[:300]  # OpenVINO's messages run over several lines
        say(f"the openvino-int8 model variant was not made ({reason}); the other variants run")
        return False
    return True
