"""The openvino-int8 variant: quantised on this machine, calibrated on its own catalogue."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pytest_django.fixtures import Settings

from paperwire.search import quantize
from paperwire.search.embeddings import (
    EmbedderUnavailable,
    OnnxEmbedder,
    choose_variant,
    model_files,
    onnx_path,
    runnable_variants,
)
from paperwire.search.quantize import calibration_texts, make_when_due, quantizer_installed
from tests.factories import paper
from tests.search.test_embeddings import real_texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_folder(settings: Settings, tmp_path: Path) -> Path:
    """A model folder of its own holding the real fp32 model, so what is made lands here."""
    fp32 = onnx_path("fp32")
    if not fp32.exists():
        pytest.skip("the fp32 model has not been made (paperwire prepare_model)")
    folder = tmp_path / "models"
    folder.mkdir()
    for variant in ("fp32", "int8"):
        (folder / onnx_path(variant).name).symlink_to(onnx_path(variant))
    settings.MODEL_DIR = folder
    settings.DATA_DIR = tmp_path / "data"
    return folder


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalogue of 12 papers counts as large enough, and 8 of them calibrate."""
    monkeypatch.setattr(quantize, "CALIBRATION_MIN", 12)
    monkeypatch.setattr(quantize, "CALIBRATION", 8)
    monkeypatch.setattr(quantize, "_failed", False)


def catalogue(count: int) -> list[str]:
    texts = real_texts(count)
    for text in texts:
        title, _, abstract = text.partition(". ")
        paper(title=title, abstract=abstract)
    return texts


def test_the_oldest_papers_calibrate_once_the_catalogue_is_large_enough(small_threshold):
    texts = catalogue(11)
    assert calibration_texts() is None  # 11 of the 12 it waits for
    paper(title="The twelfth", abstract="Arrives last.")
    assert calibration_texts() == texts[:8]


def test_the_variant_is_made_once_from_the_catalogue_and_agrees_with_fp32(
    model_folder, small_threshold
):
    if not quantizer_installed():
        pytest.skip("openvino and nncf are not installed (make install)")
    texts = catalogue(12)
    assert "openvino-int8" not in runnable_variants()
    said: list[str] = []
    assert make_when_due(said.append)
    assert (model_folder / onnx_path("openvino-int8").name).exists()
    assert (model_folder / onnx_path("openvino-int8").with_suffix(".bin").name).exists()
    assert not list(model_folder.glob("*.tmp.*"))  # written whole, then moved in
    assert "calibrating on 8 papers" in said[0]
    assert "openvino-int8" in runnable_variants()
    assert not make_when_due(said.append)  # made once
    assert len(said) == 2

    int8 = OnnxEmbedder(model_files("openvino-int8"), threads=1).encode_documents(texts)
    fp32 = OnnxEmbedder(model_files("fp32"), threads=1).encode_documents(texts)
    # Calibrated on 8 texts only here (300 in use): close, and each finds its own paper.
    assert float((int8 * fp32).sum(axis=1).mean()) >= 0.98
    assert ((int8 @ fp32.T).argmax(axis=1) == np.arange(len(texts))).all()


def test_a_small_catalogue_makes_nothing(model_folder, small_threshold):
    catalogue(3)
    assert not make_when_due(print)
    assert not onnx_path("openvino-int8").exists()


def test_a_failed_quantisation_is_one_line_and_the_others_still_run(
    model_folder, small_threshold, monkeypatch
):
    if not quantizer_installed():
        pytest.skip("openvino and nncf are not installed (make install)")
    catalogue(12)
    broken = model_folder / onnx_path("fp32").name
    broken.unlink()
    broken.write_bytes(b"not a model")
    said: list[str] = []
    assert not make_when_due(said.append)
    assert said[-1].startswith("the openvino-int8 model variant was not made (")
    assert "\n" not in said[-1]
    assert "openvino-int8" not in runnable_variants()
    assert not quantize.quantized_due()  # not tried again by this process (embed --loop)
    assert not make_when_due(said.append)
    assert len(said) == 2  # the calibration line, the failure


def test_naming_the_variant_before_it_is_made_says_how_it_gets_made(model_folder, settings):
    settings.EMBED_VARIANT = "openvino-int8"
    with pytest.raises(EmbedderUnavailable, match="makes it once the catalogue holds"):
        choose_variant(2)


def test_paperwire_embed_makes_the_variant_and_then_chooses_among_all_of_them(
    model_folder, small_threshold, monkeypatch
):
    if not quantizer_installed():
        pytest.skip("openvino and nncf are not installed (make install)")
    from io import StringIO

    from django.core.management import call_command

    from paperwire.search import embeddings

    catalogue(12)
    embeddings._load.cache_clear()  # a model loaded by an earlier test was chosen without it
    monkeypatch.setattr(embeddings, "_load", functools.cache(embeddings._load.__wrapped__))
    out, err = StringIO(), StringIO()
    call_command("embed", "--no-progress", stdout=out, stderr=err)
    assert "making the openvino-int8 model variant: calibrating on 8 papers" in err.getvalue()
    # The choice was measured with the new variant among the candidates.
    assert "openvino-int8 " in out.getvalue().split("\n")[0]
    assert "embedded 12 papers" in out.getvalue()


def test_embed_loop_makes_the_variant_once_the_catalogue_has_grown_enough(
    model_folder, small_threshold, monkeypatch
):
    if not quantizer_installed():
        pytest.skip("openvino and nncf are not installed (make install)")
    import os
    import signal
    from io import StringIO

    from django.core.management import call_command

    from paperwire.search import embeddings
    from paperwire.search.management.commands import embed

    catalogue(5)  # too few to calibrate on when the loop starts
    embeddings._load.cache_clear()
    monkeypatch.setattr(embeddings, "_load", functools.cache(embeddings._load.__wrapped__))
    polls: list[float] = []

    def poll(seconds: float) -> None:
        """Between rounds: the catalogue grows past the threshold, then the loop is stopped
        as a service manager stops it."""
        polls.append(seconds)
        if len(polls) == 1:
            catalogue(7)
        else:
            os.kill(os.getpid(), signal.SIGTERM)

    # The command's own clock only: the rest of the process keeps the real time.sleep.
    monkeypatch.setattr(embed, "time", SimpleNamespace(sleep=poll, monotonic=time.monotonic))
    previous = signal.getsignal(signal.SIGTERM)
    out, err = StringIO(), StringIO()
    try:
        call_command("embed", "--loop", "--no-progress", stdout=out, stderr=err)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert "calibrating on 8 papers" in err.getvalue()
    variants_lines = [line for line in out.getvalue().splitlines() if "model variant" in line]
    assert len(variants_lines) == 2  # chosen at the start, and again once the variant was made
    assert "openvino-int8 " not in variants_lines[0]
    assert "openvino-int8 " in variants_lines[1]
    assert "embedded 5 papers" in out.getvalue()
    assert "embedded 7 papers" in out.getvalue()
