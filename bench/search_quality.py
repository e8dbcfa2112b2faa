"""Search quality on a BEIR-format collection: nDCG@10 and Recall@100, lexical / semantic / hybrid.

    .venv/bin/python bench/search_quality.py [--corpus FILE --queries FILE --qrels FILE]

Defaults: the SciFact *train* split in ../shared/data/scifact (the test split is held out).
The corpus goes into a fresh temporary catalogue through the real ingest code (each BEIR
``_id`` gets a stand-in arXiv id), is indexed and embedded by the real indexing code, and
every query in the qrels runs through the real search code (``paperwire.search.engine``).
The last line printed is exactly ``nDCG@10 lexical=0.xxx semantic=0.xxx hybrid=0.xxx``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import SHARED_DATA, exponential_gain, ndcg_at

SCIFACT = SHARED_DATA / "scifact"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SCIFACT / "corpus.jsonl.gz")
    parser.add_argument("--queries", type=Path, default=SCIFACT / "queries.jsonl")
    parser.add_argument("--qrels", type=Path, default=SCIFACT / "qrels" / "train.tsv")
    parser.add_argument("--database-url", help="catalogue database (default: a temporary SQLite)")
    parser.add_argument("--workdir", type=Path, help="keep the catalogue and indexes here")
    parser.add_argument(
        "--study",
        action="store_true",
        help="also compare query-time variants of the hybrid (pseudo-relevance feedback, "
        "fusion depth and normalisation) with five-fold cross-validation over the queries",
    )
    return parser.parse_args()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[-1].lstrip("-").isdigit():
                continue  # the header
            query, doc, grade = parts[0], parts[-2], int(parts[-1])
            qrels.setdefault(query, {})[doc] = grade
    return qrels


def stand_in_id(n: int) -> str:
    """A valid new-style arXiv id for the n-th document (BEIR ids are not arXiv ids)."""
    return f"{9000 + n // 99_999:04d}.{n % 99_999 + 1:05d}"


def recall_at(ranked: list[str], grades: dict[str, int], k: int = 100) -> float:
    relevant = {doc for doc, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def main() -> None:
    args = parse_args()
    for path in (args.corpus, args.queries, args.qrels):
        if not path.exists():
            print(f"skipped: {path} is not there (../shared/data absent?)")
            return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="paperwire-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["PAPERWIRE_DATA_DIR"] = str(work)
    os.environ["PAPERWIRE_DATABASE_URL"] = (
        args.database_url or f"sqlite:///{work / 'quality.sqlite3'}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    from tqdm import tqdm

    from paperwire.db import ensure_schema
    from paperwire.ingest.run import Ingester
    from paperwire.search.backends import get_backend
    from paperwire.search.embedding_jobs import embed_pending, pending
    from paperwire.search.embeddings import get_embedder
    from paperwire.search.engine import Mode, search
    from paperwire.sources.records import ListStream, PaperRecord, Source

    ensure_schema()
    qrels = read_qrels(args.qrels)
    queries = {str(q["_id"]): str(q["text"]) for q in read_jsonl(args.queries)}
    queries = {qid: text for qid, text in queries.items() if qid in qrels}

    records: list[PaperRecord] = []
    to_doc: dict[str, str] = {}
    for n, doc in enumerate(read_jsonl(args.corpus)):
        arxiv_id = stand_in_id(n)
        to_doc[arxiv_id] = str(doc["_id"])
        records.append(
            PaperRecord(
                arxiv_id=arxiv_id,
                source=Source.LISTING,
                where=f"doc {doc['_id']}",
                title=" ".join(str(doc.get("title") or doc["_id"]).split()),
                abstract=" ".join(str(doc.get("text") or "").split()),
            )
        )
    print(
        f"[quality] {len(records):,} documents, {len(queries):,} queries with judgements",
        file=sys.stderr,
    )
    started = time.monotonic()
    summary = Ingester(progress=False).run(ListStream(list(records), str(args.corpus)))
    print(
        f"[quality] ingested {summary.new:,} in {time.monotonic() - started:.1f} s", file=sys.stderr
    )

    backend = get_backend()
    started = time.monotonic()
    backend.rebuild_lexical()
    print(f"[quality] keyword index in {time.monotonic() - started:.1f} s", file=sys.stderr)
    embedder = get_embedder()
    todo = pending(embedder.model_id).count()
    started = time.monotonic()
    with tqdm(total=todo, unit="doc", desc="embedding", file=sys.stderr) as bar:
        embedded = embed_pending(embedder, progress=bar.update)
    seconds = time.monotonic() - started
    print(
        f"[quality] embedded {embedded.encoded:,} in {seconds:.1f} s "
        f"({embedded.encoded / max(seconds, 1e-9):.1f} docs/s)",
        file=sys.stderr,
    )
    backend.rebuild_vectors(embedder.model_id)

    results: dict[str, tuple[float, float, float]] = {}
    for mode in (Mode.LEXICAL, Mode.SEMANTIC, Mode.HYBRID):
        ndcgs, recalls = [], []
        started = time.monotonic()
        for qid, text in queries.items():
            response = search(text, mode=mode, limit=100)
            ranked = [to_doc[r.paper.arxiv_id] for r in response.results]
            ndcgs.append(ndcg_at(ranked, qrels[qid], 10, exponential_gain))
            recalls.append(recall_at(ranked, qrels[qid]))
        per_query = (time.monotonic() - started) / max(len(queries), 1) * 1000
        results[mode.value] = (sum(ndcgs) / len(ndcgs), sum(recalls) / len(recalls), per_query)

    print(f"\n{'mode':<10} {'nDCG@10':>8} {'R@100':>8} {'ms/query':>9}")
    for mode_name, (ndcg, recall, ms) in results.items():
        print(f"{mode_name:<10} {ndcg:>8.3f} {recall:>8.3f} {ms:>9.1f}")
    best_single = max(results["lexical"][0], results["semantic"][0])
    print(
        f"\nhybrid vs the better single mode: {results['hybrid'][0] / best_single:.3f}x "
        f"(target: > 1 and hybrid nDCG@10 >= 0.75)"
    )
    if args.study:
        study(queries, qrels, to_doc)
    print(
        "nDCG@10 "
        + " ".join(f"{name}={results[name][0]:.3f}" for name in ("lexical", "semantic", "hybrid"))
    )


# -- query-time variants, cross-validated ----------------------------------------------------

Ranking = dict[str, float]


def study(
    queries: dict[str, str], qrels: dict[str, dict[str, int]], to_doc: dict[str, str]
) -> None:
    """Variants of the hybrid, each a family of settings. For each family: nDCG@10 of its
    best setting on all train queries (optimistic), and five-fold cross-validation (settings
    chosen on four fifths of the queries, scored on the fifth; three shuffles averaged), the
    figure that predicts other query sets. Dense retrieval is exact here (5,183 vectors)."""
    import random

    import numpy as np

    from paperwire.catalogue.models import Paper
    from paperwire.search.backends import get_backend
    from paperwire.search.embeddings import get_embedder
    from paperwire.search.models import Embedding, decode_vector
    from paperwire.search.query import parse_query

    backend, embedder = get_backend(), get_embedder()
    ids = dict(Paper.objects.values_list("pk", "arxiv_id"))
    rows = list(Embedding.objects.values_list("paper_id", "vector"))
    names = [ids[pk] for pk, _ in rows]
    position = {name: n for n, name in enumerate(names)}
    matrix = np.stack([decode_vector(v) for _, v in rows])
    qids = sorted(queries)
    lexical: dict[str, list[tuple[str, float]]] = {}
    vectors = {}
    for qid in qids:
        parsed = parse_query(queries[qid])
        lexical[qid] = [(h.arxiv_id, h.score) for h in backend.lexical(parsed, 1000)]
        vectors[qid] = embedder.encode_queries([parsed.text])[0]

    def dense(vector: Any, depth: int) -> Ranking:
        scores = matrix @ vector
        top = np.argpartition(-scores, depth)[:depth]
        return {names[i]: float(scores[i]) for i in top}

    def normalise(ranking: Ranking, how: str) -> tuple[Ranking, float]:
        values = np.array(list(ranking.values()))
        if how == "z":
            mean, spread = float(values.mean()), float(values.std()) or 1.0
            z = {k: (v - mean) / spread for k, v in ranking.items()}
            return z, min(z.values())
        low, high = float(values.min()), float(values.max())
        span = high - low or 1.0
        return {k: (v - low) / span for k, v in ranking.items()}, 0.0

    def fuse(lex: Ranking, sem: Ranking, weight: float, how: str = "minmax") -> list[str]:
        (nl, ml), (ns, ms) = normalise(lex, how), normalise(sem, how)
        fused = {i: (1 - weight) * nl.get(i, ml) + weight * ns.get(i, ms) for i in {*nl, *ns}}
        return sorted(fused, key=lambda i: -fused[i])

    def hybrid(qid: str, w: float = 0.45, depth: int = 100, how: str = "minmax",
               prf: int = 0, beta: float = 0.0, fill: bool = False) -> list[str]:  # fmt: skip
        lex = dict(lexical[qid][:depth])
        vector = vectors[qid]
        sem = dense(vector, depth)
        ranked = fuse(lex, sem, w, how)
        if prf:  # Rocchio on the query vector with the top fused papers' vectors
            centroid = matrix[[position[i] for i in ranked[:prf]]].mean(axis=0)
            vector = vector + beta * centroid
            vector = vector / np.linalg.norm(vector)
            sem = dense(vector, depth)
        if fill:  # the dense score of every lexical candidate, not only the dense top
            sem.update({i: float(matrix[position[i]] @ vector) for i in lex if i not in sem})
        return fuse(lex, sem, w, how) if prf or fill else ranked

    families: dict[str, list[dict[str, Any]]] = {
        "current: min-max, dense weight 0.35-0.55": [
            {"w": w} for w in (0.35, 0.4, 0.45, 0.5, 0.55)
        ],
        "z-scores, dense weight 0.35-0.55": [
            {"w": w, "how": "z"} for w in (0.35, 0.4, 0.45, 0.5, 0.55)
        ],
        "fusion depth 100/200/1000 x weight": [
            {"w": w, "depth": d} for w in (0.35, 0.45, 0.55) for d in (100, 200, 1000)
        ],
        "dense PRF (Rocchio) k 3/5/10, beta .25-1 x weight": [
            {"w": w, "prf": k, "beta": b}
            for w in (0.4, 0.45, 0.5)
            for k in (3, 5, 10)
            for b in (0.25, 0.5, 1.0)
        ],
        "dense scores filled in for lexical candidates": [
            {"w": w, "fill": True} for w in (0.35, 0.45, 0.55)
        ],
    }
    print(f"\n{'variant (settings tried)':<52} {'best on train':>13} {'5-fold CV':>10}")
    for label, grid in families.items():
        table = [
            {
                q: ndcg_at([to_doc[a] for a in hybrid(q, **kw)], qrels[q], 10, exponential_gain)
                for q in qids
            }
            for kw in grid
        ]
        means = [sum(t.values()) / len(t) for t in table]
        runs = []
        for seed in range(3):
            shuffled = qids[:]
            random.Random(seed).shuffle(shuffled)
            folds = [shuffled[i::5] for i in range(5)]
            held: list[float] = []
            for i, fold in enumerate(folds):
                train = [q for j, f in enumerate(folds) if j != i for q in f]
                best = max(range(len(grid)), key=lambda g: sum(table[g][q] for q in train))
                held.extend(table[best][q] for q in fold)
            runs.append(sum(held) / len(held))
        print(f"{label:<52} {max(means):>13.3f} {sum(runs) / len(runs):>10.3f}", flush=True)


if __name__ == "__main__":
    main()
