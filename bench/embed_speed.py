"""Embedding speed on real abstracts: today's path against the path chosen now, in one run.

    nice -n 5 .venv/bin/python bench/embed_speed.py [--papers 5000] [--no-scifact]

Texts: title + abstract (``search.documents.embedding_text``) of a fixed random sample of
the 74,728 real CS papers in ../shared/data. Paths:

* before: the code as it was (int8; the job's batches of 256 papers sorted by characters,
  runs of 32 padded by the tokenizer), and the same unsorted (batches of 32 as listed);
* each model variant this install runs (fp32, int8 through onnxruntime; openvino, the fp32
  file through OpenVINO, when the package is installed; openvino-int8, quantised by NNCF
  first, calibrated on 300 real papers outside the sample, when NNCF is installed too)
  through today's ``OnnxEmbedder`` (batches of 32 sorted by tokens, each padded to its own
  longest text) in the job's batches of 256, as ``paperwire embed`` runs it: a lane per
  core, each running its own batches on one thread (``-lanes``); int8 also as before, one
  run at a time on every core (``-threads``);
* after: the variant ``choose_variant`` picks for this CPU (measured once, cached), in lanes;
  its SciFact queries are encoded by the variant chosen for queries, as search does.

The sample is cut into slices and each path encodes slice after slice in turn, each slice
starting with the next path, so a neighbour's load on this shared machine falls on all paths
alike: the ratios are what count.
Also printed: where the time goes (tokenizer share, padding, token lengths) and the cosine
of each path's vectors with fp32's. Then the SciFact train nDCG@10 of the dense half (exact
cosine search over the corpus; bench/search_quality.py's reading of BEIR files and
bench/common.py's nDCG) for before and after.

Last line, exactly: ``embed_speed cpu="<model>" before=X.X/s after=Y.Y/s ratio=Z.ZZ
ndcg10_before=0.xxx ndcg10_after=0.xxx``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from common import SAMPLE_SEED, cpu_line, exponential_gain, load_real, loadavg, logger, ndcg_at
from search_quality import SCIFACT, read_jsonl, read_qrels

log = logger("embed_speed")
JOB_BATCH = 256  # papers the embedding job hands the model at once (embedding_jobs.BATCH)
Encode = Callable[[list[str]], np.ndarray]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=5000, help="real abstracts (5000)")
    parser.add_argument("--slices", type=int, default=10, help="turns the paths take (10)")
    parser.add_argument("--no-scifact", action="store_true", help="skip the quality check")
    parser.add_argument(
        "--cut-at",
        type=int,
        default=128,
        help="also measure the after path with inputs cut at this many tokens: its rate and "
        "SciFact nDCG@10, what a shorter cut would cost (128; 0: skip)",
    )
    return parser.parse_args()


class TodaysPath:
    """The encoder as it was before the variants: int8, the tokenizer padding each run of 32
    texts to its longest, the job's 256 papers sorted by length in characters (or not)."""

    def __init__(self, threads: int, sort: bool = True) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from paperwire.search.embeddings import MAX_TOKENS, model_files

        files = model_files("int8")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(files.onnx), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(files.tokenizer))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
        self.sort = sort
        self.tokenizing = 0.0
        self.tokens = self.padded = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), 384), dtype=np.float32)
        order = list(range(len(texts)))
        if self.sort:
            order.sort(key=lambda i: len(texts[i]))
        for start in range(0, len(order), 32):
            chunk = order[start : start + 32]
            began = time.perf_counter()
            encodings = self.tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            self.tokenizing += time.perf_counter() - began
            self.tokens += int(mask.sum())
            self.padded += mask.size
            (vectors,) = self.session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
            out[chunk] = vectors
        return out


def in_job_batches(encode: Encode) -> Encode:
    def run(texts: list[str]) -> np.ndarray:
        parts = [encode(texts[s : s + JOB_BATCH]) for s in range(0, len(texts), JOB_BATCH)]
        return np.concatenate(parts) if parts else np.empty((0, 384), np.float32)

    return run


def race(paths: dict[str, Encode], texts: list[str], slices: int) -> dict[str, Any]:
    """Each path encodes the same slices, in turn; seconds and vectors per path."""
    seconds = dict.fromkeys(paths, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in paths}
    step = max(1, -(-len(texts) // slices))
    for n, start in enumerate(range(0, len(texts), step)):
        part = texts[start : start + step]
        # Each slice starts with another path: the first of a turn ran measurably faster
        # on this shared machine, whichever it was.
        names = list(paths)
        for name in names[n % len(names) :] + names[: n % len(names)]:
            encode = paths[name]
            began = time.perf_counter()
            vectors[name].append(encode(part))
            seconds[name] += time.perf_counter() - began
        rates = ", ".join(f"{k} {(start + len(part)) / s:.1f}/s" for k, s in seconds.items())
        log(f"slice {n + 1}: {rates} (load {loadavg()})")
    return {"seconds": seconds, "vectors": {k: np.concatenate(v) for k, v in vectors.items()}}


def dense_ndcg(encode: Encode, label: str, encode_query: Encode | None = None) -> float:
    """SciFact train nDCG@10 of exact dense retrieval with ``encode`` for documents and
    ``encode_query`` (``encode`` by default) for queries (the query text as the search parser
    reads it)."""
    from paperwire.search.documents import embedding_text
    from paperwire.search.query import parse_query

    qrels = read_qrels(SCIFACT / "qrels" / "train.tsv")
    queries = {str(q["_id"]): str(q["text"]) for q in read_jsonl(SCIFACT / "queries.jsonl")}
    docs = list(read_jsonl(SCIFACT / "corpus.jsonl.gz"))
    names = [str(d["_id"]) for d in docs]
    texts = [
        embedding_text(
            " ".join(str(d.get("title") or d["_id"]).split()),
            " ".join(str(d.get("text") or "").split()),
        )
        for d in docs
    ]
    began = time.perf_counter()
    matrix = encode(texts)
    log(f"SciFact {label}: {len(texts):,} documents in {time.perf_counter() - began:.0f} s")
    scores = []
    for qid, grades in qrels.items():
        vector = (encode_query or encode)([parse_query(queries[qid]).text])[0]
        top = np.argsort(-(matrix @ vector))[:10]
        scores.append(ndcg_at([names[i] for i in top], grades, 10, exponential_gain))
    return float(np.mean(scores))


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    from django.conf import settings
    from tokenizers import Tokenizer

    from paperwire.search.documents import embedding_text
    from paperwire.search.embeddings import (
        FILES,
        MAX_TOKENS,
        OnnxEmbedder,
        choose_variant,
        cores,
        model_files,
        onnx_path,
        query_threads,
        runnable_variants,
        this_cpu,
    )
    from paperwire.search.quantize import CALIBRATION, quantize, quantizer_installed

    cpu = this_cpu()
    print(cpu_line())
    print(f"speed flags: {' '.join(cpu.flags)}; fast int8 (VNNI/AMX): {cpu.fast_int8}")
    real = load_real()
    order = list(range(len(real)))
    random.Random(SAMPLE_SEED).shuffle(order)
    texts = [
        embedding_text(" ".join(r["title"].split()), " ".join((r["summary"] or "").split()))
        for r in (real[i] for i in order[: args.papers])
    ]
    tokenizer = Tokenizer.from_file(str(model_files().tokenizer))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    lengths = np.array([len(e.ids) for e in tokenizer.encode_batch(texts)])
    print(
        f"{len(texts):,} real papers: tokens p50 {np.median(lengths):.0f}, p90 "
        f"{np.percentile(lengths, 90):.0f}, max {lengths.max()}; longer than 128: "
        f"{(lengths > 128).mean():.1%}, than {MAX_TOKENS} (cut there): "
        f"{(lengths > MAX_TOKENS).mean():.1%}"
    )

    if quantizer_installed():
        # paperwire embed makes openvino-int8 from the catalogue's oldest papers; here from
        # real papers outside the measured sample, in a model folder of the bench's own (so
        # the install's is left alone, and the choice below is measured afresh with it).
        folder = Path(tempfile.mkdtemp(prefix="embed-speed-models-"))
        for variant in FILES:
            (folder / onnx_path(variant).name).symlink_to(onnx_path(variant))
        settings.MODEL_DIR = folder
        calibration = [
            embedding_text(" ".join(r["title"].split()), " ".join((r["summary"] or "").split()))
            for r in (real[i] for i in order[-CALIBRATION:])
        ]
        started = time.perf_counter()
        quantize(calibration, say=log)
        print(
            f"openvino-int8 made from {len(calibration)} papers outside the sample in "
            f"{time.perf_counter() - started:.0f} s"
        )
    choice = choose_variant(cores())
    print(choice.describe())
    before = TodaysPath(query_threads())
    unsorted = TodaysPath(query_threads(), sort=False)
    lanes = {v: OnnxEmbedder(model_files(v), threads=1, lanes=cores()) for v in runnable_variants()}
    threads = OnnxEmbedder(model_files("int8"), threads=cores())
    shorter = OnnxEmbedder(model_files(choice.variant), threads=1, lanes=cores())
    if args.cut_at:
        shorter._tokenizer.enable_truncation(max_length=args.cut_at)
    paths: dict[str, Encode] = {
        "before": in_job_batches(before),
        "before-unsorted": unsorted,
        "int8-threads": in_job_batches(threads.encode_documents),
        **{f"{v}-lanes": in_job_batches(e.encode_documents) for v, e in lanes.items()},
    }
    cut = f"{choice.variant}-lanes-cut{args.cut_at}"
    if args.cut_at:
        paths[cut] = in_job_batches(shorter.encode_documents)
    for encode in paths.values():
        encode(texts[:8])  # warm up
    before.tokenizing, before.tokens, before.padded = 0.0, 0, 0
    unsorted.tokens = unsorted.padded = 0
    result = race(paths, texts, args.slices)
    seconds, vectors = result["seconds"], result["vectors"]
    rates = {name: len(texts) / s for name, s in seconds.items()}
    reference = vectors["fp32-lanes"]

    print(f"\n{'path':<22} {'papers/s':>9} {'vs before':>9} {'cos fp32 mean/min':>18}")
    for name, rate in rates.items():
        cos = (vectors[name] * reference).sum(axis=1)
        print(
            f"{name:<22} {rate:>9.1f} {rate / rates['before']:>9.2f} "
            f"{cos.mean():>11.4f}/{cos.min():.4f}"
        )
    print(
        f"where before's time goes: tokenizer {before.tokenizing / seconds['before']:.1%}; "
        f"padding {1 - before.tokens / max(before.padded, 1):.1%} of tokens "
        f"(unsorted: {1 - unsorted.tokens / max(unsorted.padded, 1):.1%})"
    )
    after_name = f"{choice.variant}-lanes"
    print(f"after = {after_name} ({choice.reason})")
    # Search encodes its queries with the variant chosen for single texts (the same vector
    # space): the after path's nDCG is measured with that pairing.
    query_variant = choice.query_variant or choice.variant
    query_encoder = OnnxEmbedder(model_files(query_variant), threads=cores())
    print(f"after's queries: {query_variant} ({query_encoder.runtime})")

    ndcg_before = ndcg_after = float("nan")
    if not args.no_scifact and (SCIFACT / "corpus.jsonl.gz").exists():
        ndcg_before = dense_ndcg(paths["before"], "before")
        ndcg_after = dense_ndcg(paths[after_name], "after", query_encoder.encode_queries)
        print(f"SciFact train dense nDCG@10: before {ndcg_before:.3f}, after {ndcg_after:.3f}")
        if args.cut_at:
            ndcg_cut = dense_ndcg(paths[cut], cut)
            print(
                f"  inputs cut at {args.cut_at} tokens instead of {MAX_TOKENS}: "
                f"{rates[cut] / rates['before']:.2f}x before's rate, nDCG@10 {ndcg_cut:.3f} "
                f"(not used: quality must not drop)"
            )
    print(
        f'embed_speed cpu="{cpu.model}" before={rates["before"]:.1f}/s '
        f"after={rates[after_name]:.1f}/s ratio={rates[after_name] / rates['before']:.2f} "
        f"ndcg10_before={ndcg_before:.3f} ndcg10_after={ndcg_after:.3f}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
