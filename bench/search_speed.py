"""Search speed at arXiv scale: index build times and memory, hybrid query latency, ANN recall.

    .venv/bin/python bench/search_speed.py [--sizes 100000,1000000] [--queries 200]

For each size, a fresh SQLite catalogue is filled with the 74,728 real CS papers of
../shared/data plus papers made from real records (fresh ids; title, abstract and authors
drawn from different real papers), through the real ingest code. Then:

* the keyword index (tantivy) is built by the real code, timed, its size on disk printed;
* vectors: the real model embeds ``--real-vectors`` real papers; the rest of the catalogue
  gets vectors *sampled from those real embeddings' distribution* (a Gaussian with their
  mean and covariance, normalised), because encoding a million abstracts takes hours on
  this CPU. The faiss index is built by the real code from the stored rows, timed, and its
  memory printed;
* 200 queries (real titles cut to 3–8 words, and paraphrase-like word samples from real
  abstracts) run through the real hybrid search, one at a time, query encoding included:
  p50 / p99;
* baselines from the same run: exact brute-force search over the same vectors (numpy, one
  thread), the ANN's recall@10 against it, and SQLite FTS5's BM25 OR query on the same text;
* a day of 1,500 new papers is ingested, indexed and embedded with the real model, timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LISTINGS = SHARED / "arxiv-cs-daily-listings" / "papers.jsonl.gz"


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
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[speed] {message}", file=sys.stderr, flush=True)


def load_real() -> list[dict[str, Any]]:
    with gzip.open(LISTINGS, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def records(real: list[dict[str, Any]], total: int, offset: int = 0) -> Iterator[Any]:
    """The real papers first, then made-up ones from shuffled real fields (fresh ids)."""
    from paperwire.sources.arxiv_ids import is_arxiv_category
    from paperwire.sources.records import PaperRecord, Source

    rng = random.Random(offset + total)
    first_day = dt.date(2024, 10, 4)  # made-up papers spread over the days before it
    for n in range(offset, offset + total):
        if n < len(real):
            r = real[n]
            title, abstract, authors, cats = r["title"], r["summary"], r["authors"], r["categories"]
            arxiv_id, listing = r["id"], r.get("listing_date")
        else:
            title = real[rng.randrange(len(real))]["title"]
            abstract = real[rng.randrange(len(real))]["summary"]
            authors = real[rng.randrange(len(real))]["authors"]
            cats = real[rng.randrange(len(real))]["categories"]
            arxiv_id = f"{7000 + n // 99_999:04d}.{n % 99_999 + 1:05d}"
            listing = (first_day - dt.timedelta(days=n % 3000)).isoformat()
        yield PaperRecord(
            arxiv_id=arxiv_id,
            source=Source.LISTING,
            where=f"paper {n}",
            title=" ".join(title.split()),
            abstract=" ".join(abstract.split()),
            authors=list(authors),
            categories=[c for c in cats if is_arxiv_category(c)][:4],
            listing_date=dt.date.fromisoformat(listing) if listing else None,
        )


class Stream:
    """A RecordStream over a generator, for the real Ingester."""

    unit = "rec"

    def __init__(self, items: Any, total: int) -> None:
        self.items, self.label = items, "bench"
        self.notes: list[str] = []
        self.total: int | None = total
        self.cursor: str | None = None
        self.position = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.position += 1
            yield item


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
    from paperwire.search.embedding_jobs import embed_pending
    from paperwire.search.embeddings import get_embedder
    from paperwire.search.engine import search
    from paperwire.search.models import Embedding
    from paperwire.search.vectors import INDEX_FILE, KEYS_FILE

    out: dict[str, Any] = {"size": size}
    started = time.monotonic()
    Ingester(progress=False, batch_size=2000).run(Stream(records(real, size), size))
    out["ingest_s"] = time.monotonic() - started
    log(f"{size:,}: catalogue filled in {out['ingest_s']:.0f} s")

    backend = get_backend()
    started = time.monotonic()
    backend.rebuild_lexical()
    out["lexical_build_s"] = time.monotonic() - started
    lexical_dir = Path(backend.lexical_index.path)  # type: ignore[attr-defined]
    out["lexical_mb"] = sum(p.stat().st_size for p in lexical_dir.rglob("*") if p.is_file()) / 1e6
    log(f"{size:,}: keyword index in {out['lexical_build_s']:.0f} s, {out['lexical_mb']:.0f} MB")

    embedder = get_embedder()
    pks = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
    started = time.monotonic()
    embed_pending(embedder, limit=args.real_vectors)
    real_rate = args.real_vectors / (time.monotonic() - started)
    log(f"{size:,}: {args.real_vectors:,} real embeddings at {real_rate:.0f} papers/s")
    real_rows = list(Embedding.objects.order_by("paper_id").values_list("paper_id", "vector"))
    real_vectors = np.stack([np.frombuffer(bytes(v), dtype=np.float32) for _, v in real_rows])
    mean, cov = real_vectors.mean(axis=0), np.cov(real_vectors, rowvar=False)
    rng = np.random.default_rng(0)
    embedded = {pk for pk, _ in real_rows}
    rest = [pk for pk in pks if pk not in embedded]
    started = time.monotonic()
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    all_vectors = [real_vectors]
    all_keys = [np.array([pk for pk, _ in real_rows], dtype=np.int64)]
    with connection.cursor() as cursor:
        for start in range(0, len(rest), 50_000):
            chunk = rest[start : start + 50_000]
            sampled = rng.multivariate_normal(mean, cov, size=len(chunk)).astype(np.float32)
            sampled /= np.linalg.norm(sampled, axis=1, keepdims=True)
            all_vectors.append(sampled)
            all_keys.append(np.array(chunk, dtype=np.int64))
            cursor.executemany(
                "INSERT INTO search_embedding (paper_id, model, content_hash, vector, encoded_at, "
                "checked_at) VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (pk, embedder.model_id, "sampled", vec.tobytes(), now, now)
                    for pk, vec in zip(chunk, sampled, strict=True)
                ],
            )
    log(f"{size:,}: {len(rest):,} sampled vectors stored in {time.monotonic() - started:.0f} s")
    matrix = np.concatenate(all_vectors)
    keys = np.concatenate(all_keys)

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
    ann_ms = []
    for vector in query_vectors:
        started = time.perf_counter()
        vector_index.search(database_identity(), current_model_id(), vector, 10)
        ann_ms.append((time.perf_counter() - started) * 1000)
    out["ann_p50"] = percentile(ann_ms, 50)
    out["fts5_p50"] = fts5_baseline(
        Path(connection.settings_dict["NAME"]), queries, work / f"fts-{size}.db"
    )

    out["day_s"] = index_a_day(real, size, args.day)
    return out


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


def index_a_day(real: list[dict[str, Any]], size: int, day: int) -> float:
    """Ingest, index and embed (real model) ``day`` new papers; return the seconds."""
    from paperwire.catalogue.signals import papers_changed
    from paperwire.ingest.run import Ingester
    from paperwire.search.backends import get_backend
    from paperwire.search.embeddings import current_model_id

    # As in a running service, the indexes were brought up to date after the last import;
    # then the day arrives.
    get_backend().refresh_lexical()
    get_backend().sync_vectors(current_model_id())
    started = time.monotonic()
    Ingester(progress=False).run(Stream(records(real, day, offset=size + 10_000_000), day))
    os.environ["PAPERWIRE_EMBED_INLINE_MAX"] = str(day + 1)
    from paperwire.search import maintenance

    maintenance.INLINE_EMBED_LIMIT = day + 1
    for _, line in papers_changed.send(sender=None, changed=day):
        log(f"day: {line}")
    return time.monotonic() - started


def main() -> None:
    args = parse_args()
    if not LISTINGS.exists():
        print(f"skipped: {LISTINGS} is not there")
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    base = args.workdir or Path(tempfile.mkdtemp(prefix="paperwire-speed-"))
    real = load_real()
    results = []
    for size in sizes:
        work = base / str(size)
        work.mkdir(parents=True, exist_ok=True)
        # One process per size would be cleaner; settings are read once, so each size runs in
        # a child of this script.
        if os.environ.get("PAPERWIRE_SPEED_CHILD") != str(size):
            import subprocess

            env = {**os.environ, "PAPERWIRE_SPEED_CHILD": str(size)}
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
                ],
                env=env,
                capture_output=False,
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            (base / f"result-{size}.json").write_text(json.dumps(results[-1]))
            continue
        os.environ["PAPERWIRE_DATA_DIR"] = str(work)
        os.environ["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{work / 'speed.sqlite3'}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
        import django

        django.setup()
        from paperwire.db import ensure_schema

        ensure_schema()
        print(json.dumps(run_size(size, real, args, work)))
        return
    report(results)


def report(results: list[dict[str, Any]]) -> None:
    print("\npaperwire search speed (SQLite: tantivy + faiss HNSW-SQ8; one query at a time)")
    print("vectors: real model for a sample, the rest sampled from its distribution (see --help)\n")
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
    print(
        f"\n{'papers':>10} {'hybrid p50':>11} {'p99':>8} {'ANN p50':>8} {'exact p50':>10} "
        f"{'recall@10':>10} {'FTS5 p50':>9} {'day of 1,500':>13}"
    )
    for r in results:
        print(
            f"{r['size']:>10,} {r['hybrid_p50']:>9.1f}ms {r['hybrid_p99']:>6.1f}ms "
            f"{r['ann_p50']:>6.2f}ms {r['exact_p50']:>8.1f}ms {r['recall10']:>10.3f} "
            f"{r['fts5_p50']:>7.1f}ms {r['day_s']:>12.1f}s"
        )
    for r in results:
        print(
            f"\n{r['size']:,} papers: ANN {r['exact_p50'] / max(r['ann_p50'], 1e-9):.0f}x faster "
            f"than exact search; keyword half: FTS5 OR p50 {r['fts5_p50']:.1f} ms (baseline)"
        )
    big = results[-1]
    print("\ntargets at the largest size:")
    checks = [
        ("hybrid p50 <= 30 ms", big["hybrid_p50"] <= 30, f"{big['hybrid_p50']:.1f} ms"),
        ("hybrid p99 <= 100 ms", big["hybrid_p99"] <= 100, f"{big['hybrid_p99']:.1f} ms"),
        ("ANN recall@10 >= 0.95", big["recall10"] >= 0.95, f"{big['recall10']:.3f}"),
        (
            "vector memory <= 1 GB per million",
            big["vector_mb"] / big["size"] * 1e6 <= 1000,
            f"{big['vector_mb'] / big['size'] * 1e6:.0f} MB per million",
        ),
        ("a day of 1,500 papers indexed <= 60 s", big["day_s"] <= 60, f"{big['day_s']:.1f} s"),
    ]
    for name, ok, value in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {value}")


if __name__ == "__main__":
    main()
