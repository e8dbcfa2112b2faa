"""Similar-papers quality on CSFCube: NDCG@20 per facet and over all, similar vs plain BM25.

    .venv/bin/python bench/similar_quality.py [--csfcube DIR] [--split fold1_dev]

CSFCube gives query papers, each with a pool of candidates graded 0–3 by experts along one
facet (background, method, result). Every paper (queries and candidates, read from the
readable annotation files) goes into a fresh temporary catalogue through the real ingest,
indexing and embedding code; each pool is ranked by the real similar-papers code
(``paperwire.search.engine.similar``, restricted to the pool), and, as the baseline, by plain
Okapi BM25 over the pool with the query paper's title and abstract as the query. The last
line printed is exactly ``NDCG@20 bm25=0.xxx similar=0.xxx``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import SHARED_DATA, ndcg_at

DEFAULT_DIR = SHARED_DATA / "csfcube"
FACETS = ("background", "method", "result")
_LABEL = re.compile(r"^(?:background|method|result|other)_label:\s*")
_TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in",
        "is", "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "we", "were",
        "which", "with", "our", "these", "their", "than", "then", "there", "also", "can", "not",
        "such",
    }
)  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csfcube", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--split", default="fold1_dev")
    parser.add_argument("--workdir", type=Path, help="keep the catalogue and indexes here")
    return parser.parse_args()


def read_papers(folder: Path) -> dict[str, tuple[str, str]]:
    """paper id -> (title, abstract) from every readable annotation file."""
    papers: dict[str, tuple[str, str]] = {}
    for path in sorted((folder / "readable_annotations").glob("*.txt")):
        for block in re.split(r"^=+\s*$", path.read_text(encoding="utf-8"), flags=re.M):
            pid = re.search(r"^paper_id:\s*(\S+?);", block, flags=re.M)
            title = re.search(r"^TITLE:\s*(.*)$", block, flags=re.M)
            if not pid or not title:
                continue
            abstract_lines = []
            in_abstract = False
            for line in block.splitlines():
                if line.startswith("ABSTRACT:"):
                    in_abstract = True
                    line = line[len("ABSTRACT:") :].strip()
                if in_abstract and line.strip():
                    abstract_lines.append(_LABEL.sub("", line.strip()))
            papers[pid.group(1)] = (title.group(1).strip(), " ".join(abstract_lines))
    return papers


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def bm25_rank(query: str, pool: dict[str, str], k1: float = 1.2, b: float = 0.75) -> list[str]:
    """Okapi BM25 with the pool as the collection: the plain baseline."""
    docs = {pid: Counter(tokens(text)) for pid, text in pool.items()}
    lengths = {pid: sum(c.values()) for pid, c in docs.items()}
    average = sum(lengths.values()) / max(len(lengths), 1)
    df: Counter[str] = Counter()
    for counts in docs.values():
        df.update(counts.keys())
    n = len(docs)
    scores = {}
    for pid, counts in docs.items():
        score = 0.0
        for term in set(tokens(query)):
            tf = counts.get(term, 0)
            if tf:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[pid] / average))
        scores[pid] = score
    return sorted(scores, key=lambda pid: -scores[pid])


def main() -> None:
    args = parse_args()
    folder: Path = args.csfcube
    if not (folder / "readable_annotations").exists():
        print(f"skipped: no CSFCube annotations in {folder}")
        return
    papers = read_papers(folder)
    pools: dict[str, dict[str, dict[str, int]]] = {}
    for facet in FACETS:
        path = folder / f"pid2anns-csfcube-{facet}.{args.split}.json"
        if path.exists():
            data = json.loads(path.read_text())
            pools[facet] = {
                q: dict(zip(v["cands"], v["relevance_adju"], strict=True)) for q, v in data.items()
            }

    work = args.workdir or Path(tempfile.mkdtemp(prefix="paperwire-similar-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["PAPERWIRE_DATA_DIR"] = str(work)
    os.environ["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{work / 'similar.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    from paperwire.db import ensure_schema
    from paperwire.ingest.run import Ingester
    from paperwire.search.backends import get_backend
    from paperwire.search.embedding_jobs import embed_pending
    from paperwire.search.embeddings import get_embedder
    from paperwire.search.engine import similar
    from paperwire.sources.records import ListStream, PaperRecord, Source

    ensure_schema()
    to_arxiv = {
        pid: f"{9100 + n // 99_999:04d}.{n % 99_999 + 1:05d}" for n, pid in enumerate(papers)
    }
    to_pid = {a: p for p, a in to_arxiv.items()}
    records = [
        PaperRecord(arxiv_id=to_arxiv[pid], source=Source.LISTING, where=pid, title=t, abstract=a)
        for pid, (t, a) in papers.items()
    ]
    Ingester(progress=False).run(ListStream(list(records), "CSFCube"))
    backend = get_backend()
    backend.rebuild_lexical()
    embedder = get_embedder()
    started = time.monotonic()
    embed_pending(embedder)
    backend.rebuild_vectors(embedder.model_id)
    print(
        f"[similar] {len(papers):,} papers indexed and embedded in "
        f"{time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )

    rows: list[tuple[str, int, float, float]] = []
    totals: dict[str, list[float]] = {"bm25": [], "similar": []}
    for facet, queries in pools.items():
        scores: dict[str, list[float]] = {"bm25": [], "similar": []}
        for query, grades in queries.items():
            pool = {pid: " ".join(papers[pid]) for pid in grades if pid in papers}
            title, abstract = papers[query]
            bm25 = bm25_rank(f"{title} {abstract}", pool)
            neighbours = similar(to_arxiv[query], limit=len(papers)).results
            ranked = [
                to_pid[r.paper.arxiv_id] for r in neighbours if to_pid[r.paper.arxiv_id] in pool
            ]
            ranked += [pid for pid in pool if pid not in set(ranked)]  # unreached: at the end
            scores["bm25"].append(ndcg_at(bm25, grades, 20))
            scores["similar"].append(ndcg_at(ranked, grades, 20))
        for name in scores:
            totals[name].extend(scores[name])
        mean = {name: sum(v) / len(v) for name, v in scores.items()}
        rows.append((facet, len(queries), mean["bm25"], mean["similar"]))

    print(f"\n{'facet':<12} {'queries':>7} {'bm25':>7} {'similar':>8}")
    for facet, count, bm25_score, similar_score in rows:
        print(f"{facet:<12} {count:>7} {bm25_score:>7.3f} {similar_score:>8.3f}")
    overall = {name: sum(v) / len(v) for name, v in totals.items()}
    print(
        f"{'all':<12} {len(totals['bm25']):>7} {overall['bm25']:>7.3f} {overall['similar']:>8.3f}"
    )
    print(f"\nsimilar vs BM25: {overall['similar'] / overall['bm25']:.3f}x (target > 1)")
    print(f"NDCG@20 bm25={overall['bm25']:.3f} similar={overall['similar']:.3f}")


if __name__ == "__main__":
    main()
