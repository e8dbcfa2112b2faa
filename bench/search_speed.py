"""Search speed at arXiv scale: index build times and memory, hybrid query latency, ANN recall.

    .venv/bin/python bench/search_speed.py [--sizes 100000,1000000] [--real-vectors 10000]
    .venv/bin/python bench/search_speed.py --sizes 1000000 --database postgres://postgres@127.0.0.1:5432
    nice -n 19 .venv/bin/python bench/search_speed.py --encode-only --real-vectors 24000
    .venv/bin/python bench/search_speed.py --sweep 16/80,32/128 --sweep-size 100000

Real vectors: the real model encodes a fixed random sample (``--real-vectors``) of the 74,728
real CS papers of ../shared/data once, a thousand at a time, cached in var/cache/real-vectors
(``--encode-only`` just fills the cache; one onnxruntime thread unless ``--threads``).

For each size, a fresh SQLite catalogue is filled through the real ingest code with papers
made from real records: paper n is sample paper n mod len(sample) (title, abstract, authors,
categories) under a fresh id. Then:

* the keyword index (tantivy) is built by the real code, timed, its size on disk printed;
* vectors: the first copy of each paper gets its real vector; every further copy the real
  vector plus noise shaped like the sample's covariance, re-normalised, its scale calibrated
  so that the median nearest-neighbour distance matches what real embeddings would have at
  that size (extrapolated from the sample: see ``synthetic_vectors``; the figures are
  printed). Encoding a million abstracts would take about eleven hours on this CPU. The faiss
  index is built by the real code from the stored rows, timed, and its memory printed;
* 200 queries (real titles cut to 3–8 words, and paraphrase-like word samples from real
  abstracts) run through the real hybrid search, one at a time, query encoding included:
  p50 / p99;
* baselines from the same run: exact brute-force search over the same vectors (numpy, one
  thread), the ANN's recall@10 against it (also at other efSearch values, and for the same
  parameters on the real sample alone), and SQLite FTS5's BM25 OR query on the same text;
* a day of 1,500 new papers (real papers outside the sample, fresh ids) is ingested,
  indexed and embedded with the real model, timed, with the time of each step.

``--database postgres://USER@HOST:PORT`` runs the same measurements in the PostgreSQL mode as
it is deployed by default: for each size a fresh database on that server
(paperwire_speed_<size>_<pid>, migrated by the real code, dropped at the end unless
``--workdir`` keeps the run) is the source of truth, and the node's own indexes (tantivy and
faiss, ``ReplicaBackend``, PAPERWIRE_SEARCH_BACKEND=index) live in the work directory. They are
built by the same calls as on SQLite: ``ReplicaBackend`` inherits ``rebuild_lexical`` and
``rebuild_vectors`` from the SQLite backend, and a new node's follower reaches the same builds
(``refresh_lexical`` of an empty directory rebuilds; ``sync_vectors`` without an index builds it
whole). The vectors are stored with COPY. The FTS5 baseline needs the SQLite file; in its place,
the query the ``postgres`` backend would run (``ts_rank_cd`` over the generated tsvector
column), on as many of the queries as fit in ``--pg-fts-seconds``. The last line names the
database, the largest size, hybrid p50/p99 and recall@10.

``--sweep`` compares HNSW settings (M/efConstruction, recall@10 at efSearch 64/128/256, query
time, bytes a vector) on the real sample and on ``--sweep-size`` vectors made from it, with
no catalogue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from common import (
    LISTINGS,
    SAMPLE_SEED,
    SHARED_DATA,
    VECTOR_CACHE,
    Stream,
    cpu_line,
    load_real,
    loadavg,
    logger,
    vector_chunk_prefix,
)

# Real embeddings of a fixed random sample of the real papers, encoded once and reused under
# VECTOR_CACHE (var/ is not versioned). Encoding 24,000 abstracts takes about half an hour on
# one core.
CHUNK = 1000
log = logger("speed")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="catalogue sizes to test")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--real-vectors",
        type=int,
        default=3000,
        help="papers embedded by the real model to fit the vector distribution",
    )
    parser.add_argument("--day", type=int, default=1500, help="new papers in the day-indexing test")
    parser.add_argument("--workdir", type=Path, help="keep catalogues here (default: temporary)")
    parser.add_argument(
        "--encode-only",
        action="store_true",
        help="only fill the cache of real embeddings (--real-vectors of them) and stop",
    )
    parser.add_argument("--threads", type=int, default=1, help="encoder threads for the cache")
    parser.add_argument(
        "--sweep",
        help="instead of the benchmark, compare HNSW settings M/efConstruction,... "
        "(e.g. 16/80,32/128) on the real vectors and on --sweep-size vectors made from them",
    )
    parser.add_argument("--sweep-size", type=int, default=100_000)
    parser.add_argument(
        "--database",
        help="a PostgreSQL server (postgres://USER@HOST:PORT): a fresh database on it per size, "
        "the node's indexes in the work directory (default: a SQLite file per size)",
    )
    parser.add_argument(
        "--pg-fts-seconds",
        type=float,
        default=120.0,
        help="time allowed to the PostgreSQL full-text baseline per size (at least 10 queries; "
        "0: skip it, and the filling of the keyword column it needs)",
    )
    # The database the parent made for this child (internal).
    parser.add_argument("--child-database", help=argparse.SUPPRESS)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="print the report from the result-<size>.json files a run left in --workdir",
    )
    return parser.parse_args()


def records(
    real: list[dict[str, Any]], picks: list[int], total: int, offset: int = 0, fresh: bool = True
) -> Iterator[Any]:
    """Papers made from real records: the n-th is ``real[picks[n % len(picks)]]``, under its
    own id the first time and a fresh id for every further copy (``fresh`` gives every paper
    a fresh id)."""
    from paperwire.sources.arxiv_ids import is_arxiv_category
    from paperwire.sources.records import PaperRecord, Source

    first_day = dt.date(2024, 10, 4)  # copies spread over the days before it
    for n in range(offset, offset + total):
        r = real[picks[n % len(picks)]]
        if n < len(picks) and not fresh:
            arxiv_id, listing = r["id"], r.get("listing_date")
        else:
            arxiv_id = f"{7000 + n // 99_999:04d}.{n % 99_999 + 1:05d}"
            listing = (first_day - dt.timedelta(days=n % 3000)).isoformat()
        yield PaperRecord(
            arxiv_id=arxiv_id,
            source=Source.LISTING,
            where=f"paper {n}",
            title=" ".join(r["title"].split()),
            abstract=" ".join(r["summary"].split()),
            authors=list(r["authors"]),
            categories=[c for c in r["categories"] if is_arxiv_category(c)][:4],
            listing_date=dt.date.fromisoformat(listing) if listing else None,
        )


def nn_distances(vectors: np.ndarray, among: np.ndarray, exclude_self: bool) -> np.ndarray:
    """Each row's Euclidean distance to its nearest neighbour in ``among`` (exact)."""
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), 2048):
        block = vectors[start : start + 2048] @ among.T
        if exclude_self:
            rows = np.arange(len(block))
            block[rows, rows + start] = -np.inf
        out[start : start + 2048] = np.sqrt(np.maximum(0.0, 2 - 2 * block.max(axis=1)))
    return out


def expected_nn_distance(sample: np.ndarray, size: int) -> tuple[float, float]:
    """The median nearest-neighbour distance among ``size`` real embeddings, extrapolated from
    the real sample: medians at 1/8 .. 1/1 of the sample fit ``d = c * n ** -slope`` (the
    slope is 1 / the data's intrinsic dimension). Returns (distance, slope)."""
    rng = np.random.default_rng(1)
    sizes, medians = [], []
    for part in (8, 4, 2, 1):
        n = len(sample) // part
        subset = sample[rng.choice(len(sample), n, replace=False)]
        probe = subset[:2000]
        medians.append(float(np.median(nn_distances(probe, subset, exclude_self=True))))
        sizes.append(n)
    slope, intercept = np.polyfit(np.log(sizes), np.log(medians), 1)
    return float(np.exp(intercept) * size**slope), float(-slope)


def synthetic_vectors(sample: np.ndarray, size: int) -> tuple[np.ndarray, dict[str, float]]:
    """``size`` vectors: the real ones, then copies (the n-th copies ``sample[n % len]``)
    each moved by noise shaped like the sample's own covariance (so it varies along the
    directions real papers vary) and re-normalised. The noise scale is set so that the median
    nearest-neighbour distance of a copy matches what real embeddings would have at ``size``
    (``expected_nn_distance``), measured on the copies of 100 papers."""
    info: dict[str, float] = {}
    target, slope = expected_nn_distance(sample, size)
    info.update(target_nn=target, slope=slope)
    info["real_nn"] = float(np.median(nn_distances(sample[:2000], sample, exclude_self=True)))
    copies = max(0, size - len(sample))
    per = max(1, -(-copies // len(sample)))  # copies of each real vector
    rng = np.random.default_rng(2)
    cov = np.cov(sample, rowvar=False)
    root = np.linalg.cholesky(cov + 1e-9 * np.eye(cov.shape[0])).astype(np.float32)

    def moved(sources: np.ndarray, scale: float, seed: int) -> np.ndarray:
        noise = np.random.default_rng(seed).standard_normal(
            (len(sources), sample.shape[1]), dtype=np.float32
        )
        out: np.ndarray = sources + scale * (noise @ root.T)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    if copies:
        probe = rng.choice(len(sample), 100, replace=False)
        low, high = 0.0, 2.0
        for _ in range(10):  # bisection on the noise scale
            scale = (low + high) / 2
            group = moved(np.repeat(sample[probe], per, axis=0), scale, 3)
            found = float(
                np.median(
                    np.minimum(
                        nn_distances(group, group, exclude_self=True),
                        nn_distances(group, sample, exclude_self=False),
                    )
                )
            )
            low, high = (scale, high) if found < target else (low, scale)
        info["noise_scale"] = scale
        info["synthetic_nn"] = found
    out = np.empty((max(size, len(sample)), sample.shape[1]), dtype=np.float32)
    out[: len(sample)] = sample
    for start in range(len(sample), size, 100_000):
        stop = min(size, start + 100_000)
        sources = sample[np.arange(start, stop) % len(sample)]
        out[start:stop] = moved(sources, info.get("noise_scale", 0.0), start)
    return out[:size], info


def sample_order(real: list[dict[str, Any]]) -> list[int]:
    """A fixed random permutation of the real papers: the encoded sample is its head."""
    order = list(range(len(real)))
    random.Random(SAMPLE_SEED).shuffle(order)
    return order


def real_vectors(
    real: list[dict[str, Any]], count: int, threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Indices into ``real`` and their vectors from the real model, for the first ``count``
    papers of ``sample_order``; encoded a chunk at a time and cached under var/cache, so an
    interrupted run resumes and a rerun encodes nothing."""
    from paperwire.search.embeddings import OnnxEmbedder, current_model_id, model_files

    order = sample_order(real)[:count]
    prefix = vector_chunk_prefix(current_model_id())
    VECTOR_CACHE.mkdir(parents=True, exist_ok=True)
    embedder: OnnxEmbedder | None = None
    indices, vectors = [], []
    for start in range(0, len(order), CHUNK):
        wanted = np.array(order[start : start + CHUNK], dtype=np.int64)
        path = VECTOR_CACHE / f"{prefix}{start // CHUNK:04d}.npz"
        cached = np.load(path) if path.exists() else None
        if cached is None or not np.array_equal(cached["indices"], wanted):
            if embedder is None:
                embedder = OnnxEmbedder(model_files(), threads=threads)
            began = time.monotonic()
            # as paperwire.search.documents.embedding_text (which needs Django loaded)
            texts = [
                f"{' '.join(real[i]['title'].split())}. {' '.join(real[i]['summary'].split())}"
                for i in wanted.tolist()
            ]
            encoded = embedder.encode_documents(texts)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, indices=wanted, vectors=encoded)
            tmp.replace(path)
            log(
                f"real vectors {start + len(wanted):,}/{len(order):,} "
                f"({len(wanted) / (time.monotonic() - began):.1f} papers/s)"
            )
            cached = np.load(path)
        indices.append(cached["indices"])
        vectors.append(cached["vectors"].astype(np.float32))
    return np.concatenate(indices), np.concatenate(vectors)


def ann_sweep(real: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """recall@10 against exact search, query time and memory of faiss HNSW-SQ8 settings, on
    the real vectors alone and on ``--sweep-size`` vectors made from them; no catalogue."""
    import faiss

    from paperwire.search.embeddings import OnnxEmbedder, model_files

    faiss.omp_set_num_threads(1)
    _, sample = real_vectors(real, args.real_vectors, args.threads)
    embedder = OnnxEmbedder(model_files(), threads=1)
    queries = embedder.encode_queries(make_queries(real, args.queries))
    size = int(args.sweep_size)
    matrix, info = synthetic_vectors(sample, size)
    print(f"\nANN sweep: {len(queries)} queries; vectors: {info}")
    print(
        f"{'vectors':>10} {'M':>3} {'efC':>4} {'build':>6} {'B/vec':>6}  "
        "recall@10 (ms/query) at efSearch"
    )
    grid = [(int(m), int(c)) for m, c in (x.split("/") for x in args.sweep.split(","))]
    efs = (64, 128, 256)
    for label, data in (("real", sample), (f"{size:,}", matrix)):
        exact = [set(np.argpartition(-(data @ q), 10)[:10].tolist()) for q in queries]
        for m, construction in grid:
            index = faiss.IndexHNSWSQ(
                data.shape[1], faiss.ScalarQuantizer.QT_8bit, m, faiss.METRIC_INNER_PRODUCT
            )
            index.hnsw.efConstruction = construction
            index.train(data[:100_000])
            began = time.monotonic()
            index.add(data)
            build = time.monotonic() - began
            per_vector = faiss.serialize_index(index).size / len(data)
            cells = []
            for ef in efs:
                params = faiss.SearchParametersHNSW(efSearch=ef)
                began = time.perf_counter()
                _, found = index.search(queries, 10, params=params)
                ms = (time.perf_counter() - began) / len(queries) * 1000
                recall = statistics.mean(
                    len(e & set(f.tolist())) / 10 for e, f in zip(exact, found, strict=True)
                )
                cells.append(f"{ef}: {recall:.3f} ({ms:.2f})")
            print(
                f"{label:>10} {m:>3} {construction:>4} {build:>5.0f}s {per_vector:>6.0f}  "
                + "  ".join(cells),
                flush=True,
            )


def make_queries(real: list[dict[str, Any]], count: int) -> list[str]:
    rng = random.Random(7)
    queries = []
    for n in range(count):
        paper = real[rng.randrange(len(real))]
        if n % 2 == 0:
            words = paper["title"].split()
            queries.append(" ".join(words[: rng.randint(3, min(8, len(words)))]))
        else:
            words = [w.strip(".,;:()") for w in paper["summary"].split() if len(w) > 4]
            queries.append(" ".join(rng.sample(words, min(5, len(words)))))
    return queries


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_size(
    size: int, real: list[dict[str, Any]], args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    from django.db import connection

    from paperwire.catalogue.models import Paper
    from paperwire.ingest.run import Ingester
    from paperwire.search.backends import get_backend
    from paperwire.search.documents import content_hash
    from paperwire.search.embeddings import get_embedder
    from paperwire.search.engine import search
    from paperwire.search.vectors import EF_SEARCH, INDEX_FILE, KEYS_FILE, VectorIndex

    out: dict[str, Any] = {"size": size}
    indices, sample = real_vectors(real, args.real_vectors, args.threads)
    picks = indices.tolist()
    started = time.monotonic()
    Ingester(progress=False, batch_size=2000).run(Stream(records(real, picks, size), size))
    out["ingest_s"] = time.monotonic() - started
    log(f"{size:,}: catalogue filled in {out['ingest_s']:.0f} s")
    # As after any import in a running service (the catalogue's papers_changed): the author and
    # organisation pages' index. Left out, the day below would pay for the whole catalogue's.
    from paperwire.community import sync_names

    started = time.monotonic()
    sync_names()
    out["names_s"] = time.monotonic() - started
    log(f"{size:,}: author and organisation index in {out['names_s']:.0f} s")

    backend = get_backend()
    started = time.monotonic()
    backend.rebuild_lexical()
    out["lexical_build_s"] = time.monotonic() - started
    lexical_dir = Path(backend.lexical_index.path)  # type: ignore[attr-defined]
    out["lexical_mb"] = sum(p.stat().st_size for p in lexical_dir.rglob("*") if p.is_file()) / 1e6
    log(f"{size:,}: keyword index in {out['lexical_build_s']:.0f} s, {out['lexical_mb']:.0f} MB")

    # Paper n copies real paper picks[n % len(picks)]; its vector is that paper's real vector
    # (n < len(picks)) or the same plus calibrated noise (synthetic_vectors).
    embedder = get_embedder()
    started = time.monotonic()
    matrix, info = synthetic_vectors(sample, size)
    out["vectors"] = {"real": len(sample), **info}
    log(f"{size:,}: vectors made in {time.monotonic() - started:.0f} s: {info}")
    by_id = dict(Paper.objects.values_list("arxiv_id", "pk"))
    keys = np.array(
        [by_id[f"{7000 + n // 99_999:04d}.{n % 99_999 + 1:05d}"] for n in range(size)],
        dtype=np.int64,
    )
    texts = dict(Paper.objects.values_list("pk", "title"))
    abstracts = dict(Paper.objects.values_list("pk", "abstract"))
    started = time.monotonic()
    if connection.vendor == "postgresql":
        copy_vectors(keys, matrix, embedder.model_id, texts, abstracts)
    else:
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        with connection.cursor() as cursor:
            for start in range(0, size, 50_000):
                chunk = keys[start : start + 50_000].tolist()
                cursor.executemany(
                    "INSERT INTO search_embedding (paper_id, model, content_hash, vector, "
                    "encoded_at, checked_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        (
                            pk,
                            embedder.model_id,
                            content_hash(texts[pk], abstracts[pk] or ""),
                            matrix[start + n].tobytes(),
                            now,
                            now,
                        )
                        for n, pk in enumerate(chunk)
                    ],
                )
    del texts, abstracts
    out["store_s"] = time.monotonic() - started
    log(f"{size:,}: {size:,} vectors stored in {out['store_s']:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            out["database_mb"] = cursor.fetchone()[0] / 1e6
        log(f"{size:,}: database {out['database_mb']:.0f} MB on the server")

    started = time.monotonic()
    backend.rebuild_vectors(embedder.model_id)
    out["vector_build_s"] = time.monotonic() - started
    vector_dir = Path(backend.vector_index.directory)  # type: ignore[attr-defined]
    out["vector_mb"] = (
        (vector_dir / INDEX_FILE).stat().st_size + (vector_dir / KEYS_FILE).stat().st_size
    ) / 1e6
    log(f"{size:,}: vector index in {out['vector_build_s']:.0f} s, {out['vector_mb']:.0f} MB")

    queries = make_queries(real, args.queries)
    search(queries[0])  # warm: load the model and the indexes
    latencies = []
    for query in queries:
        started = time.perf_counter()
        response = search(query, limit=10)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.mode == "hybrid", response.notes
    out["hybrid_p50"], out["hybrid_p99"] = percentile(latencies, 50), percentile(latencies, 99)

    # Baselines: exact search over the same vectors, the ANN's recall against it, FTS5.
    query_vectors = embedder.encode_queries(queries)
    import faiss

    faiss.omp_set_num_threads(1)
    exact_ms, recalls = [], []
    from paperwire.search.embeddings import current_model_id
    from paperwire.search.models import database_identity

    vector_index = backend.vector_index  # type: ignore[attr-defined]
    for vector in query_vectors:
        started = time.perf_counter()
        scores = matrix @ vector
        top = keys[np.argpartition(-scores, 10)[:10]]
        exact_ms.append((time.perf_counter() - started) * 1000)
        found, _ = vector_index.search(database_identity(), current_model_id(), vector, 10)
        recalls.append(len(set(found.tolist()) & set(top.tolist())) / 10)
    out["exact_p50"] = percentile(exact_ms, 50)
    out["recall10"] = statistics.mean(recalls)
    by_ef: dict[int, float] = {}
    ms_by_ef: dict[int, float] = {}
    for ef in (128, 256, 512, 1024):  # the served efSearch is EF_SEARCH; others for comparison
        hits, took = [], []
        for vector in query_vectors:
            truth = set(keys[np.argpartition(-(matrix @ vector), 10)[:10]].tolist())
            started = time.perf_counter()
            found, _ = vector_index.search(
                database_identity(), current_model_id(), vector, 10, ef=ef
            )
            took.append((time.perf_counter() - started) * 1000)
            hits.append(len(set(found.tolist()) & truth) / 10)
        by_ef[ef] = statistics.mean(hits)
        ms_by_ef[ef] = percentile(took, 50)
    out["recall10_by_ef"] = by_ef
    out["ann_ms_by_ef"] = ms_by_ef
    log(f"{size:,}: recall@10 by efSearch {by_ef}; ANN p50 ms {ms_by_ef}")
    out.update(filtered_recall(backend, matrix, keys, query_vectors, size))
    log(
        f"{size:,}: 1 %-selective filter: recall@10 {out['filtered_recall10']:.3f} "
        f"(p50 {out['filtered_p50']:.1f} ms) against exact filtered search; filtering the "
        f"1,000 nearest instead: {out['postfilter_recall10']:.3f}"
    )
    ann_ms = []
    for vector in query_vectors:
        started = time.perf_counter()
        vector_index.search(database_identity(), current_model_id(), vector, 10)
        ann_ms.append((time.perf_counter() - started) * 1000)
    out["ann_p50"] = percentile(ann_ms, 50)
    if connection.vendor == "postgresql":
        out.update(postgres_fts_baseline(queries, args.pg_fts_seconds))
        log(f"{size:,}: PostgreSQL full text: {out['pg_fts_note']}")
    else:
        out["fts5_p50"] = fts5_baseline(
            Path(connection.settings_dict["NAME"]), queries, work / f"fts-{size}.db"
        )

    # The same index parameters on the real embeddings alone (no synthetic copies).
    alone = VectorIndex.empty(sample)
    VectorIndex.add(
        alone,
        np.arange(len(sample), dtype=np.int64),
        sample,
        np.zeros(len(sample), dtype=np.float64),
    )
    real_recalls = []
    for vector in query_vectors:
        exact = set(np.argpartition(-(sample @ vector), 10)[:10].tolist())
        params = faiss.SearchParametersHNSW(efSearch=EF_SEARCH)
        _, found = alone.index.search(vector.reshape(1, -1), 10, params=params)
        real_recalls.append(len(exact & set(found[0].tolist())) / 10)
    out["recall10_real"] = statistics.mean(real_recalls)
    log(
        f"{size:,}: recall@10 {out['recall10']:.3f}; on the {len(sample):,} real vectors alone "
        f"{out['recall10_real']:.3f}"
    )

    taken = set(picks)
    outside = [i for i in sample_order(real) if i not in taken]
    out["day_s"], out["day_parts"] = index_a_day(real, outside, size, args.day)
    out["database"] = connection.vendor
    index_dir = Path(backend.directory)  # type: ignore[attr-defined]
    out["index_mb"] = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6
    # ru_maxrss is in KiB on Linux
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def copy_vectors(
    keys: np.ndarray,
    matrix: np.ndarray,
    model: str,
    texts: dict[int, str],
    abstracts: dict[int, str],
) -> None:
    """Store paper ``keys[n]``'s vector ``matrix[n]`` in search_embedding with one binary COPY
    (inserting a million rows one statement at a time takes many times longer)."""
    from django.db import connection

    from paperwire.search.documents import content_hash

    now = dt.datetime.now(dt.UTC)
    sql = (
        "COPY search_embedding (paper_id, model, content_hash, vector, encoded_at, checked_at) "
        "FROM STDIN (FORMAT BINARY)"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types(["int8", "text", "text", "bytea", "timestamptz", "timestamptz"])
        for n, pk in enumerate(keys.tolist()):
            copy.write_row(
                (
                    pk,
                    model,
                    content_hash(texts[pk], abstracts[pk] or ""),
                    matrix[n].tobytes(),
                    now,
                    now,
                )
            )


def postgres_fts_baseline(queries: list[str], seconds: float) -> dict[str, Any]:
    """The keyword search of ``PAPERWIRE_SEARCH_BACKEND=postgres`` (``ts_rank_cd`` over the
    tsvector column, as many candidates as hybrid search asks for), one query at a time, after
    one warming query, until ``seconds`` have passed (at least 10 queries): p50, or why it
    could not run.

    Where the column is filled after the rows are written (migration search.0004), it is
    filled first by the project's own filler (the followers' shared job), timed."""
    from django.db import connection

    from paperwire.search.backends import IndexUnavailable
    from paperwire.search.backends import postgres as pg
    from paperwire.search.engine import CANDIDATES
    from paperwire.search.query import parse_query

    out: dict[str, Any] = {}
    if seconds <= 0:
        return {"pg_fts_p50": None, "pg_fts_note": "skipped (--pg-fts-seconds 0)"}
    fill = getattr(pg, "fill_keyword_column", None)
    if fill is not None:
        started = time.monotonic()
        filled = fill()
        out["keyword_column_s"] = time.monotonic() - started
        log(f"keyword column of {filled:,} papers filled in {out['keyword_column_s']:.0f} s")
    with connection.cursor() as cursor:
        # the column's name is the backend's constant, no input
        owed_sql = f"SELECT count(*) FROM catalogue_paper WHERE {pg.LEXICAL_COLUMN} IS NULL"  # noqa: S608
        cursor.execute(owed_sql)
        owed = cursor.fetchone()[0]
    if owed:
        return {
            **out,
            "pg_fts_p50": None,
            "pg_fts_note": f"skipped ({owed:,} papers have no keyword column yet)",
        }
    backend = pg.PostgresBackend()
    try:
        backend.lexical(parse_query(queries[-1]), CANDIDATES)
    except IndexUnavailable as exc:
        return {"pg_fts_p50": None, "pg_fts_note": f"skipped ({exc})"}
    timings: list[float] = []
    found = 0
    began = time.monotonic()
    for query in queries:
        if len(timings) >= 10 and time.monotonic() - began > seconds:
            break
        parsed = parse_query(query)
        started = time.perf_counter()
        found += len(backend.lexical(parsed, CANDIDATES))
        timings.append((time.perf_counter() - started) * 1000)
    p50 = percentile(timings, 50)
    filled = (
        f"; column filled in {out['keyword_column_s']:.0f} s" if "keyword_column_s" in out else ""
    )
    return {
        **out,
        "pg_fts_p50": p50,
        "pg_fts_p99": percentile(timings, 99),
        "pg_fts_queries": len(timings),
        "pg_fts_note": f"p50 {p50:.0f} ms, p99 {percentile(timings, 99):.0f} ms over "
        f"{len(timings)} of the {len(queries)} queries, {found / len(timings):.0f} hits each"
        + filled,
    }


def filtered_recall(
    backend: Any, matrix: np.ndarray, keys: np.ndarray, queries: np.ndarray, size: int
) -> dict[str, float]:
    """Semantic recall@10 of a filter admitting 1 % of the catalogue (30 consecutive days of
    the 3,000 the copies spread over, see ``records``), against exact search among exactly
    those papers; and, from the same queries, the old way: the 1,000 nearest neighbours of the
    whole catalogue, then the filter."""
    from paperwire.search import Filters
    from paperwire.search.backends import base

    first_day = dt.date(2024, 10, 4)
    offsets = np.arange(size) % 3000  # paper n is listed first_day - (n % 3000) days
    recalls, post_recalls, took = [], [], []
    for i, vector in enumerate(queries):
        start = (i * 97) % 2970
        admitted = (offsets >= start) & (offsets < start + 30)
        window = Filters(
            since=first_day - dt.timedelta(days=start + 29),
            until=first_day - dt.timedelta(days=start),
        )
        scores = matrix[admitted] @ vector
        truth = set(keys[admitted][np.argsort(-scores)[:10]].tolist())
        started = time.perf_counter()
        hits = backend.nearest(vector, 10, window)
        took.append((time.perf_counter() - started) * 1000)
        pk_of = _pks([h.arxiv_id for h in hits])
        recalls.append(len(truth & set(pk_of)) / 10)
        nearest = backend.nearest(vector, base.FILTERED_CANDIDATES)
        kept = base.admitted(nearest, window)[:10]
        post_recalls.append(len(truth & set(_pks([h.arxiv_id for h in kept]))) / 10)
    return {
        "filtered_recall10": statistics.mean(recalls),
        "filtered_p50": percentile(took, 50),
        "postfilter_recall10": statistics.mean(post_recalls),
    }


def _pks(arxiv_ids: list[str]) -> list[int]:
    from paperwire.catalogue.models import Paper

    return list(Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list("pk", flat=True))


def fts5_baseline(database: Path, queries: list[str], fts_path: Path) -> float:
    """SQLite FTS5 bm25() with the query's words ORed, on the same titles and abstracts."""
    fts = sqlite3.connect(fts_path)
    fts.execute(f"ATTACH DATABASE '{database}' AS cat")
    fts.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(title, abstract, tokenize='porter')"
    )
    fts.execute(
        "INSERT INTO docs(rowid, title, abstract) "
        "SELECT id, title, abstract FROM cat.catalogue_paper"
    )
    fts.commit()
    timings = []
    for query in queries:
        words = [w for w in "".join(c if c.isalnum() else " " for c in query).split() if w]
        match = " OR ".join(f'"{w}"' for w in words)
        started = time.perf_counter()
        fts.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 2.5, 1.0) LIMIT 100",
            (match,),
        ).fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    fts.close()
    return percentile(timings, 50)


def index_a_day(
    real: list[dict[str, Any]], picks: list[int], size: int, day: int
) -> tuple[float, dict[str, float]]:
    """Ingest, index and embed (real model) ``day`` new papers (real papers outside the
    catalogue's sample, fresh ids); return the seconds, in all and by step."""
    from django.conf import settings

    from paperwire.catalogue.signals import papers_changed
    from paperwire.ingest.run import Ingester
    from paperwire.search.backends import get_backend
    from paperwire.search.embeddings import current_model_id

    # As in a running service, the indexes were brought up to date after the last import;
    # then the day arrives.
    get_backend().refresh_lexical()
    get_backend().sync_vectors(current_model_id())
    from paperwire.search import embedding_jobs, maintenance

    parts: dict[str, float] = {}
    real_embed = embedding_jobs.embed_pending
    real_sync = type(get_backend()).sync_vectors

    def timed_embed(*a: Any, **k: Any) -> Any:
        began = time.monotonic()
        summary = real_embed(*a, **k)
        parts["embed"] = time.monotonic() - began
        parts["rate"] = summary.rate
        return summary

    def timed_sync(self: Any, *a: Any, **k: Any) -> Any:
        began = time.monotonic()
        added = real_sync(self, *a, **k)
        parts["vector sync"] = time.monotonic() - began
        return added

    setattr(maintenance, "embed_pending", timed_embed)  # noqa: B010
    type(get_backend()).sync_vectors = timed_sync  # type: ignore[method-assign]
    started = time.monotonic()
    Ingester(progress=False).run(Stream(records(real, picks, day, offset=size + 10_000_000), day))
    parts["ingest"] = time.monotonic() - started
    settings.EMBED_INLINE_MAX = day + 1
    for _, line in papers_changed.send(sender=None, changed=day):
        log(f"day: {line}")
    total = time.monotonic() - started
    parts["rest (keyword refresh, queries)"] = total - sum(
        v for k, v in parts.items() if k != "rate"
    )
    log(f"day: {total:.1f} s: " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))
    return total, parts


def main() -> None:
    args = parse_args()
    if not (SHARED_DATA / LISTINGS).exists():
        print(f"skipped: {SHARED_DATA / LISTINGS} is not there")
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.database and not args.child_database:
        problem = server_problem(args.database)
        if problem:
            print(f"search_speed: --database {args.database}: {problem}", file=sys.stderr)
            sys.exit(2)
    base = args.workdir or Path(tempfile.mkdtemp(prefix="paperwire-speed-"))
    real = load_real()
    # The model's folder is a setting (settings.MODEL_DIR): the runs below that load the model
    # without a catalogue read settings too.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    if args.encode_only:
        indices, _ = real_vectors(real, args.real_vectors, args.threads)
        log(f"{len(indices):,} real vectors cached in {VECTOR_CACHE}")
        return
    if args.sweep:
        ann_sweep(real, args)
        return
    if args.report_only:
        report([json.loads((base / f"result-{size}.json").read_text()) for size in sizes])
        return
    results = []
    for size in sizes:
        work = base / str(size)
        # One process per size would be cleaner; settings are read once, so each size runs in
        # a child of this script.
        if os.environ.get("PAPERWIRE_SPEED_CHILD") != str(size):
            marker = work / "database-url"  # the PostgreSQL database a kept run left
            if marker.exists():
                drop_database(marker.read_text())
            if work.exists():  # a kept catalogue is for looking at; every run starts afresh
                log(f"{size:,}: removing the previous run's catalogue in {work}")
                shutil.rmtree(work)
            work.mkdir(parents=True)
            import subprocess

            extra: list[str] = []
            database = None
            if args.database:
                database = create_database(args.database, f"paperwire_speed_{size}_{os.getpid()}")
                marker.write_text(database)
                log(f"{size:,}: fresh database {database}")
                extra = ["--database", args.database, "--child-database", database]
                extra += ["--pg-fts-seconds", str(args.pg_fts_seconds)]
            env = {**os.environ, "PAPERWIRE_SPEED_CHILD": str(size)}
            try:
                child = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--sizes",
                        str(size),
                        "--queries",
                        str(args.queries),
                        "--real-vectors",
                        str(args.real_vectors),
                        "--day",
                        str(args.day),
                        "--workdir",
                        str(base),
                        *extra,
                    ],
                    env=env,
                    capture_output=False,
                    stdout=subprocess.PIPE,
                    text=True,
                    check=True,
                )
            finally:
                if database and not args.workdir:
                    drop_database(database)
                    marker.unlink()
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            (base / f"result-{size}.json").write_text(json.dumps(results[-1]))
            if not args.workdir:  # a million papers' catalogue and indexes take gigabytes
                shutil.rmtree(work)
            continue
        os.environ["PAPERWIRE_DATA_DIR"] = str(work)
        os.environ["PAPERWIRE_DATABASE_URL"] = (
            args.child_database or f"sqlite:///{work / 'speed.sqlite3'}"
        )
        # The node's indexes in this run's folder, served by the default backend (tantivy +
        # faiss; on PostgreSQL the ReplicaBackend), whatever the calling shell has set.
        os.environ["PAPERWIRE_INDEX_DIR"] = str(work / "index")
        os.environ["PAPERWIRE_SEARCH_BACKEND"] = "index"
        os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
        import django

        django.setup()
        from paperwire.db import ensure_schema

        ensure_schema()
        print(json.dumps(run_size(size, real, args, work)))
        return
    if not args.workdir:
        shutil.rmtree(base)
    report(results)


def _admin_url(server: str) -> str:
    """The server's URL naming its own database (``postgres`` unless the URL names one)."""
    parts = urlsplit(server)
    return parts._replace(path=parts.path if parts.path.strip("/") else "/postgres").geturl()


def server_problem(server: str) -> str | None:
    """Why ``server`` cannot be used (one line), or None."""
    if urlsplit(server).scheme not in ("postgres", "postgresql"):
        return "not a PostgreSQL URL (postgres://USER@HOST:PORT)"
    import psycopg

    try:
        psycopg.connect(_admin_url(server), connect_timeout=10).close()
    except psycopg.Error as exc:
        return f"cannot connect: {str(exc).strip().splitlines()[0]}"
    return None


def create_database(server: str, name: str) -> str:
    """A fresh, empty database ``name`` on ``server``; returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(_admin_url(server), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def drop_database(database: str) -> None:
    """Drop the database at URL ``database`` (a connection to the server's own ``postgres``
    database does it)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database)
    name = parts.path.strip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        admin.execute(drop.format(sql.Identifier(name)))
    log(f"dropped database {name}")


def report(results: list[dict[str, Any]]) -> None:
    database = results[-1].get("database", "sqlite")
    where = (
        "PostgreSQL, the node's own tantivy + faiss HNSW-SQ8 (ReplicaBackend)"
        if database == "postgresql"
        else "SQLite: tantivy + faiss HNSW-SQ8"
    )
    print(f"\npaperwire search speed ({where}; one query at a time)")
    print(cpu_line(also=("avx512_vnni", "avx_vnni")) + f"; load average {loadavg()}")
    v = results[-1].get("vectors", {})
    print(
        f"vectors: {v.get('real', 0):,} from the real model (a random sample of the real papers); "
        "every further paper a copy of one of them\n(fresh id) whose vector is the real one plus "
        "covariance-shaped noise scaled to the nearest-neighbour\ndistance expected at that "
        "size (see --help)\n"
    )
    header = (
        f"{'papers':>10} {'ingest':>8} {'keyword idx':>12} {'vector idx':>11} "
        f"{'vec MB':>7} {'MB/M':>6}"
    )
    print(header)
    for r in results:
        per_million = r["vector_mb"] / r["size"] * 1e6
        print(
            f"{r['size']:>10,} {r['ingest_s']:>7.0f}s {r['lexical_build_s']:>11.0f}s "
            f"{r['vector_build_s']:>10.0f}s {r['vector_mb']:>7.0f} {per_million:>6.0f}"
        )
    fts = "PG FTS p50" if database == "postgresql" else "FTS5 p50"
    print(
        f"\n{'papers':>10} {'hybrid p50':>11} {'p99':>8} {'ANN p50':>8} {'exact p50':>10} "
        f"{'recall@10':>10} {fts:>10} {'day of 1,500':>13}"
    )
    for r in results:
        baseline = r.get("pg_fts_p50") if "pg_fts_note" in r else r.get("fts5_p50")
        cell = f"{baseline:>8.1f}ms" if baseline is not None else f"{'-':>10}"
        print(
            f"{r['size']:>10,} {r['hybrid_p50']:>9.1f}ms {r['hybrid_p99']:>6.1f}ms "
            f"{r['ann_p50']:>6.2f}ms {r['exact_p50']:>8.1f}ms {r['recall10']:>10.3f} "
            f"{cell} {r['day_s']:>12.1f}s"
        )
    for r in results:
        if "pg_fts_note" in r:
            keyword = (
                "keyword half on this node: tantivy; baseline, the PostgreSQL full text that "
                f"PAPERWIRE_SEARCH_BACKEND=postgres runs (ts_rank_cd): {r['pg_fts_note']}"
            )
        else:
            keyword = f"keyword half: FTS5 OR p50 {r['fts5_p50']:.1f} ms (baseline)"
        print(
            f"\n{r['size']:,} papers: ANN {r['exact_p50'] / max(r['ann_p50'], 1e-9):.0f}x faster "
            f"than exact search; {keyword}"
        )
        if "store_s" in r:
            print(
                f"  phases: ingest {r['ingest_s']:.0f} s, keyword index {r['lexical_build_s']:.0f} "
                f"s ({r.get('lexical_mb', 0):.0f} MB), vectors stored {r['store_s']:.0f} s, vector "
                f"index {r['vector_build_s']:.0f} s ({r['vector_mb']:.0f} MB)"
                + (
                    f"; PostgreSQL keyword column filled in {r['keyword_column_s']:.0f} s"
                    if "keyword_column_s" in r
                    else ""
                )
            )
        if "peak_rss_mb" in r:
            on_server = (
                f", database {r['database_mb']:.0f} MB on the server" if "database_mb" in r else ""
            )
            print(
                f"  peak RSS of the run {r['peak_rss_mb']:.0f} MB; index directory "
                f"{r['index_mb']:.0f} MB{on_server}"
            )
        if "recall10_by_ef" in r:
            v = r["vectors"]
            ms = r.get("ann_ms_by_ef", {})
            by_ef = ", ".join(
                f"{ef} {x:.3f}" + (f" ({ms[ef]:.2f} ms)" if ef in ms else "")
                for ef, x in r["recall10_by_ef"].items()
            )
            print(
                f"  recall@10 by efSearch: {by_ef}; same index parameters on the "
                f"{v['real']:,} real vectors alone: {r['recall10_real']:.3f}"
            )
            print(
                f"  median nearest-neighbour distance: real sample {v['real_nn']:.3f}, expected "
                f"at this size {v['target_nn']:.3f}, copies {v.get('synthetic_nn', 0):.3f} "
                f"(noise scale {v.get('noise_scale', 0):.3f})"
            )
        if "filtered_recall10" in r:
            print(
                f"  1 %-selective filter (30 of 3,000 days): semantic recall@10 "
                f"{r['filtered_recall10']:.3f} against exact filtered search, p50 "
                f"{r['filtered_p50']:.1f} ms; baseline, the 1,000 nearest then the filter: "
                f"{r['postfilter_recall10']:.3f}"
            )
        if "day_parts" in r:
            parts = {k: x for k, x in r["day_parts"].items() if k != "rate"}
            print(
                f"  day of 1,500: {r['day_s']:.1f} s = "
                + ", ".join(f"{k} {x:.1f} s" for k, x in parts.items())
                + f" (encoding at {r['day_parts'].get('rate', 0):.0f} papers/s)"
            )
    big = results[-1]
    print("\ntargets at the largest size:")
    checks = [
        ("hybrid p50 <= 30 ms", big["hybrid_p50"] <= 30, f"{big['hybrid_p50']:.1f} ms"),
        ("hybrid p99 <= 100 ms", big["hybrid_p99"] <= 100, f"{big['hybrid_p99']:.1f} ms"),
        ("ANN recall@10 >= 0.95", big["recall10"] >= 0.95, f"{big['recall10']:.3f}"),
        (
            "1 %-selective filter: semantic recall@10 >= 0.9",
            big.get("filtered_recall10", 0) >= 0.9,
            f"{big.get('filtered_recall10', 0):.3f}",
        ),
        (
            "vector memory <= 1 GB per million",
            big["vector_mb"] / big["size"] * 1e6 <= 1000,
            f"{big['vector_mb'] / big['size'] * 1e6:.0f} MB per million",
        ),
        ("a day of 1,500 papers indexed <= 60 s", big["day_s"] <= 60, f"{big['day_s']:.1f} s"),
    ]
    for name, ok, value in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {value}")
    print(
        f"search_speed database={database} papers={big['size']} p50={big['hybrid_p50']:.1f}ms "
        f"p99={big['hybrid_p99']:.1f}ms recall@10={big['recall10']:.3f}"
    )


if __name__ == "__main__":
    main()
