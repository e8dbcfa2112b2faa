"""The model's variants (fp32, int8, and fp32 through OpenVINO) and the choice between them on
the CPU at hand."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pytest_django.fixtures import Settings

from paperwire.search import embeddings
from paperwire.search.documents import embedding_text
from paperwire.search.embeddings import (
    FILES,
    VARIANTS,
    Choice,
    Cpu,
    EmbedderUnavailable,
    OnnxEmbedder,
    cached_choice,
    choose_variant,
    get_embedder,
    measure_variants,
    model_files,
    onnx_path,
    runnable_variants,
)
from tests.conftest import shared


def real_texts(count: int) -> list[str]:
    with gzip.open(shared("arxiv-cs-daily-listings/papers.jsonl.gz"), "rt") as handle:
        rows = [json.loads(line) for line in itertools.islice(handle, count)]
    return [embedding_text(row["title"], row["summary"] or "") for row in rows]


@pytest.fixture(scope="module")
def variants() -> dict[str, OnnxEmbedder]:
    missing = [v for v in FILES if not onnx_path(v).exists()]
    if missing:
        pytest.skip(f"model variants not made: {missing} (paperwire prepare_model)")
    return {v: OnnxEmbedder(model_files(v), threads=1) for v in runnable_variants()}


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_the_variants_vectors_are_interchangeable_on_real_papers(variants):
    texts = real_texts(40)
    int8 = variants["int8"].encode_documents(texts)
    fp32 = variants["fp32"].encode_documents(texts)
    assert cosines(int8, fp32).mean() >= 0.99
    assert cosines(int8, fp32).min() >= 0.98
    # And each finds the other's nearest neighbours: the same paper, for every paper.
    assert ((int8 @ fp32.T).argmax(axis=1) == np.arange(len(texts))).all()


def test_openvino_runs_the_fp32_file_to_vectors_that_agree_with_onnxruntimes(variants):
    if "openvino" not in variants:
        pytest.skip("the openvino package is not installed (make install)")
    texts = real_texts(40)
    openvino = variants["openvino"].encode_documents(texts)
    fp32 = variants["fp32"].encode_documents(texts)
    assert openvino.shape == fp32.shape
    assert cosines(openvino, fp32).mean() >= 0.99
    assert cosines(openvino, fp32).min() >= 0.98
    assert ((openvino @ fp32.T).argmax(axis=1) == np.arange(len(texts))).all()
    # In lanes (a stream per lane) each text still gets the vector one run at a time gives.
    lanes = OnnxEmbedder(model_files("openvino"), threads=1, batch=8, lanes=2)
    assert cosines(lanes.encode_documents(texts), openvino).min() >= 0.999


def test_a_text_gets_the_same_vector_whatever_it_is_batched_with(variants):
    texts = [*real_texts(12), "graph neural networks", "a very short title"]
    together = variants["fp32"].encode_documents(texts)
    alone = np.stack([variants["fp32"].encode_documents([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_lanes_give_each_text_the_vector_one_run_at_a_time_gives():
    if not onnx_path("fp32").exists():
        pytest.skip("the fp32 variant is not made (paperwire prepare_model)")
    texts = real_texts(40)
    one = OnnxEmbedder(model_files("fp32"), threads=2, batch=8)
    lanes = OnnxEmbedder(model_files("fp32"), threads=1, batch=8, lanes=2)
    np.testing.assert_allclose(
        lanes.encode_documents(texts), one.encode_documents(texts), atol=1e-5
    )


def test_vectors_come_back_in_the_order_of_the_texts(variants):
    texts = real_texts(5)
    shuffled = texts[::-1]
    forward = variants["int8"].encode_documents(texts)
    backward = variants["int8"].encode_documents(shuffled)
    np.testing.assert_allclose(forward[::-1], backward, atol=1e-6)


class Fake:
    """A stand-in variant: fixed vectors, a little noise when it is the inexact one."""

    model_id, dim = "fake", 8

    def __init__(self, noise: float) -> None:
        self.noise = noise

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        rng = np.random.default_rng(1)
        base = np.eye(len(texts), self.dim, dtype=np.float32) + 0.1
        vectors = base + self.noise * rng.standard_normal(base.shape).astype(np.float32)
        return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_documents(texts)


def test_the_faster_variant_is_chosen_when_its_vectors_agree_with_fp32():
    choice = measure_variants(1, embedders={"int8": Fake(0.001), "fp32": Fake(0.0)})
    assert choice.agreement["int8"] >= 0.99
    # Both fakes take about no time: the fastest of two equal rates is either; what matters
    # is that both were timed and that the verdict is one of them.
    assert set(choice.rates) == {"int8", "fp32"}
    assert choice.variant in VARIANTS


def test_a_variant_whose_vectors_differ_from_fp32s_is_never_chosen():
    choice = measure_variants(1, embedders={"int8": Fake(2.0), "fp32": Fake(0.0)})
    assert choice.agreement["int8"] < 0.99
    assert choice.variant == "fp32"
    assert "differ from fp32" in choice.reason


class Costly(Fake):
    """A fake variant that advances a fake clock by a fixed cost per batch and per query: the
    measurement's verdict, without depending on how busy the machine is."""

    def __init__(self, clock: list[float], batch: float, query: float, noise: float = 0.0):
        super().__init__(noise)
        self.clock, self.batch, self.query = clock, batch, query

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        self.clock[0] += self.batch if len(texts) > 1 else self.query
        return super().encode_documents(texts)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [0.0]
    monkeypatch.setattr(embeddings, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    return now


def test_each_use_gets_the_variant_measured_fastest_at_it(clock):
    choice = measure_variants(
        2,
        embedders={
            "int8": Costly(clock, batch=2.0, query=0.01, noise=0.001),
            "fp32": Costly(clock, batch=3.0, query=0.02),
            "openvino": Costly(clock, batch=1.0, query=0.05),
        },
    )
    assert set(choice.rates) == set(choice.query_rates) == {"int8", "fp32", "openvino"}
    assert (choice.variant, choice.query_variant) == ("openvino", "int8")
    assert "queries on int8" in choice.describe()


def test_the_fastest_variant_is_passed_over_when_its_vectors_differ(clock):
    choice = measure_variants(
        2,
        embedders={
            "int8": Costly(clock, batch=2.0, query=0.01, noise=0.001),
            "fp32": Costly(clock, batch=3.0, query=0.02),
            "openvino": Costly(clock, batch=1.0, query=0.001, noise=2.0),
        },
    )
    assert choice.agreement["openvino"] < 0.99
    assert (choice.variant, choice.query_variant) == ("int8", "int8")
    assert "differ from fp32" in choice.reason


@pytest.fixture
def model_folder(settings: Settings, tmp_path: Path) -> Path:
    """A model folder of its own (so a cached verdict starts empty) with both variants."""
    folder = tmp_path / "models"
    folder.mkdir()
    for variant in FILES:  # not openvino-int8's: made later, from the catalogue (quantize)
        (folder / onnx_path(variant).name).write_bytes(b"")  # present is all the choice asks
    settings.MODEL_DIR = folder
    settings.DATA_DIR = tmp_path / "data"
    return folder


def counting_measure(monkeypatch: pytest.MonkeyPatch, variant: str) -> list[int]:
    calls: list[int] = []

    def measure(threads: int) -> Choice:
        calls.append(threads)
        return Choice(variant, "fastest here", str(embeddings.this_cpu()), threads, {variant: 9.0})

    monkeypatch.setattr(embeddings, "measure_variants", measure)
    return calls


def test_the_choice_is_measured_once_per_cpu_and_kept_beside_the_models(model_folder, monkeypatch):
    calls = counting_measure(monkeypatch, "fp32")
    first = choose_variant(2)
    again = choose_variant(2)
    assert calls == [2]
    assert (first.variant, first.cached) == ("fp32", False)
    assert (again.variant, again.cached) == ("fp32", True)
    assert "cached" in again.describe()
    assert cached_choice(2) == again
    assert (model_folder / "variant-choice.json").exists()

    choose_variant(1)  # another thread count is another measurement
    monkeypatch.setattr(embeddings, "this_cpu", lambda: Cpu("Another CPU", ("avx2",)))
    choose_variant(2)  # and so is another CPU sharing the install
    assert calls == [2, 1, 2]


def test_a_model_folder_it_cannot_write_keeps_the_choice_in_the_data_folder(
    model_folder, monkeypatch, settings
):
    calls = counting_measure(monkeypatch, "int8")
    (model_folder / "variant-choice.json").mkdir()  # unwritable as a file, even for root
    choose_variant(2)
    assert choose_variant(2).cached
    assert calls == [2]
    assert (Path(settings.DATA_DIR) / "variant-choice.json").exists()


def test_the_setting_names_the_variant_without_measuring(model_folder, monkeypatch, settings):
    calls = counting_measure(monkeypatch, "int8")
    settings.EMBED_VARIANT = "fp32"
    choice = choose_variant(2)
    assert (choice.variant, calls) == ("fp32", [])
    assert "PAPERWIRE_EMBED_VARIANT" in choice.reason
    settings.EMBED_VARIANT = "fp16"
    with pytest.raises(EmbedderUnavailable, match="PAPERWIRE_EMBED_VARIANT='fp16': use auto"):
        choose_variant(2)


def test_an_install_with_only_the_int8_model_runs_it_without_measuring(model_folder, monkeypatch):
    calls = counting_measure(monkeypatch, "fp32")
    (model_folder / onnx_path("fp32").name).unlink()
    choice = choose_variant(2)
    assert (choice.variant, calls) == ("int8", [])
    assert "prepare_model" in choice.reason


def test_openvino_is_a_candidate_only_where_it_is_installed(model_folder, monkeypatch, settings):
    calls = counting_measure(monkeypatch, "int8")
    monkeypatch.setattr(embeddings, "openvino_installed", lambda: False)
    assert runnable_variants() == ["int8", "fp32"]
    choose_variant(2)
    settings.EMBED_VARIANT = "openvino"
    with pytest.raises(EmbedderUnavailable, match="openvino package is not installed"):
        choose_variant(2)
    settings.EMBED_VARIANT = "auto"
    monkeypatch.setattr(embeddings, "openvino_installed", lambda: True)
    assert runnable_variants() == ["int8", "fp32", "openvino"]
    choose_variant(2)  # installing it is a new verdict: measured again
    assert calls == [2, 2]


def test_queries_run_on_the_variant_chosen_for_them(settings, monkeypatch):
    if any(not onnx_path(v).exists() for v in FILES):
        pytest.skip("model variants not made (paperwire prepare_model)")
    settings.SEMANTIC = True
    chosen = Choice("fp32", "fastest here", "a CPU", 1, query_variant="int8")
    monkeypatch.setattr(embeddings, "choose_variant", lambda threads: chosen)
    embeddings._load.cache_clear()
    try:
        embedder = get_embedder(1)
        assert isinstance(embedder, OnnxEmbedder)
        assert embedder.variant == "fp32"
        query = embedder.encode_queries(["graph neural networks message passing"])
        int8 = OnnxEmbedder(model_files("int8"), threads=1)
        np.testing.assert_allclose(
            query, int8.encode_queries(["graph neural networks message passing"]), atol=1e-6
        )
        documents = embedder.encode_documents(real_texts(3))
        fp32 = OnnxEmbedder(model_files("fp32"), threads=1)
        np.testing.assert_allclose(documents, fp32.encode_documents(real_texts(3)), atol=1e-5)
    finally:
        embeddings._load.cache_clear()


def test_fast_int8_means_int8_dot_product_instructions():
    assert Cpu("AMD EPYC", ("avx2", "fma", "avx512f", "avx512_vnni")).fast_int8
    assert Cpu("Intel Core", ("avx2", "fma", "avx_vnni")).fast_int8
    assert not Cpu("AMD EPYC", ("avx2", "fma")).fast_int8
