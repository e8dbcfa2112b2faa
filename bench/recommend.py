"""Recommendation quality and speed of For you: authors as readers (../shared/data/recommend).

    .venv/bin/python bench/recommend.py [--users FILE] [--window 28] [--limit N]

For each row of FILE (author, cut): the author's papers before the cut (newest 50) are the
library, their papers of the next ``--window`` days among all the window's papers are the
relevant candidates; author names are removed from every paper. Three rankings:

* newest first;
* arxiv-sanity-lite's recipe with scikit-learn (tf-idf 1-2-grams, 20,000 features, sublinear,
  min_df 5, max_df 0.1, English stop words; LinearSVC C=0.01, balanced; positives = the
  library, negatives = every other paper before the cut);
* paperwire's For you through the site's code: a throwaway SQLite catalogue holds the papers
  before the cut (authors blank), each library is saved with ``paperwire.library.save``, the
  models trained by ``paperwire.foryou.retrain``; then the window's papers arrive and
  ``paperwire.foryou.recommend`` ranks them.

The real model's vectors of the papers the run needs (libraries, candidates, the engine's
calibration and hubness samples) are encoded once, one thread, and cached by arXiv id under
var/cache/real-vectors, so a rerun takes minutes. Then the timings: training with 50 and 500
signals, ranking 1,500 and 30,000 candidates, bytes per stored model, and the For-you
sections of the digest composer (``recommend_many``) for subscribers with synthetic signals
(real papers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from common import PROJECT, SHARED_DATA, VECTOR_CACHE, cpu_line, load_real, logger, ndcg_at

log = logger("recommend")
USERS = Path("recommend") / "users-dev.tsv"
WORK = PROJECT / "var" / "bench-recommend"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--users", type=Path, default=SHARED_DATA / USERS)
    parser.add_argument("--window", type=int, default=28, help="days after the cut (28)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N rows")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument(
        "--compose-sample",
        type=int,
        default=100_000,
        help="subscribers composed for real; the time for --subscribers is scaled from them",
    )
    return parser.parse_args()


def splits(
    real: list[dict[str, Any]], rows: list[tuple[str, str]], window: int
) -> list[dict[str, Any]]:
    by_author: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(real):
        for a in r["authors"]:
            by_author[a].append(i)
    out = []
    for author, cut in rows:
        end = (dt.date.fromisoformat(cut) + dt.timedelta(days=window)).isoformat()
        mine = by_author.get(author, [])
        library = sorted(
            (i for i in mine if real[i]["listing_date"] < cut),
            key=lambda i: (real[i]["listing_date"], real[i]["id"]),
            reverse=True,
        )[:50]
        relevant = {real[i]["id"] for i in mine if cut <= real[i]["listing_date"] < end}
        out.append({"author": author, "cut": cut, "end": end, "library": library, "rel": relevant})
    return out


def text(r: dict[str, Any]) -> str:
    return f"{' '.join(r['title'].split())}. {' '.join(r['summary'].split())}"


def cached_vectors(real: list[dict[str, Any]], wanted: list[int]) -> dict[str, np.ndarray]:
    """The real model's vectors of ``wanted`` (indices into ``real``), by arXiv id; missing
    ones are encoded (one thread) and cached in chunks of 500."""
    from tqdm import tqdm

    from paperwire.search.embeddings import OnnxEmbedder, current_model_id, model_files

    prefix = current_model_id().replace("/", "_") + "-byid-"
    VECTOR_CACHE.mkdir(parents=True, exist_ok=True)
    have: dict[str, np.ndarray] = {}
    files = sorted(VECTOR_CACHE.glob(f"{prefix}*.npz"))
    for path in files:
        with np.load(path) as z:
            for key, vector in zip(z["ids"].tolist(), z["vectors"], strict=True):
                have[key] = vector
    todo = [i for i in dict.fromkeys(wanted) if real[i]["id"] not in have]
    if todo:
        embedder = OnnxEmbedder(model_files(), threads=1)
        n = len(files)
        with tqdm(total=len(todo), unit="paper", desc="encoding", file=sys.stderr) as bar:
            for start in range(0, len(todo), 500):
                chunk = todo[start : start + 500]
                vectors = embedder.encode_documents([text(real[i]) for i in chunk])
                path = VECTOR_CACHE / f"{prefix}{n:05d}.npz"
                tmp = path.with_suffix(".tmp.npz")
                np.savez(tmp, ids=np.array([real[i]["id"] for i in chunk]), vectors=vectors)
                tmp.replace(path)
                n += 1
                for i, v in zip(chunk, vectors, strict=True):
                    have[real[i]["id"]] = v
                bar.update(len(chunk))
    return have


def recipe(real: list[dict[str, Any]], cases: list[dict[str, Any]]) -> dict[int, list[str]]:
    """arxiv-sanity-lite's ranking of each case's candidates (cases share one cut)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC
    from tqdm import tqdm

    out: dict[int, list[str]] = {}
    by_cut: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, case in enumerate(cases):
        by_cut[(case["cut"], case["end"])].append(n)
    for (cut, end), members in by_cut.items():
        pool = [i for i, r in enumerate(real) if r["listing_date"] < end]
        before = [k for k, i in enumerate(pool) if real[i]["listing_date"] < cut]
        after = [k for k, i in enumerate(pool) if real[i]["listing_date"] >= cut]
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), max_features=20_000, sublinear_tf=True, min_df=5, max_df=0.1,
            stop_words="english", dtype=np.float32,
        )  # fmt: skip
        x = vectorizer.fit_transform(
            [f"{real[i]['title']} | {real[i]['summary']}" for i in pool]
        ).tocsr()
        x_before, x_after = x[before], x[after]
        row_of = {pool[k]: n for n, k in enumerate(before)}
        ids = [real[pool[k]]["id"] for k in after]
        for n in tqdm(members, desc=f"svm_tfidf {cut}", unit="reader", file=sys.stderr):
            y = np.zeros(len(before))
            y[[row_of[i] for i in cases[n]["library"]]] = 1
            svm = LinearSVC(C=0.01, class_weight="balanced", max_iter=10_000).fit(x_before, y)
            scores = svm.decision_function(x_after)
            out[n] = [ids[j] for j in np.argsort(-scores, kind="stable")]
    return out


def setup_django(workdir: Path) -> None:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    os.environ["PAPERWIRE_DATA_DIR"] = str(workdir)
    os.environ["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{workdir / 'paperwire.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def add_papers(real: list[dict[str, Any]], indices: list[int]) -> dict[str, int]:
    """Put papers in the catalogue without their authors; returns arXiv id -> pk."""
    from paperwire.catalogue.models import Paper
    from paperwire.sources.arxiv_ids import is_arxiv_category

    papers = []
    for i in indices:
        r = real[i]
        day = dt.date.fromisoformat(r["listing_date"])
        cats = [c for c in r["categories"] if is_arxiv_category(c)][:4]
        papers.append(
            Paper(
                arxiv_id=r["id"], title=" ".join(r["title"].split()),
                abstract=" ".join(r["summary"].split()), authors=[], categories=cats,
                primary_category=cats[0] if cats else "", listing_date=day, announced_on=day,
            )
        )  # fmt: skip
    Paper.objects.bulk_create(papers, batch_size=2000, ignore_conflicts=True)
    wanted = [real[i]["id"] for i in indices]
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 5000):
        found.update(
            Paper.objects.filter(arxiv_id__in=wanted[start : start + 5000]).values_list(
                "arxiv_id", "pk"
            )
        )
    return found


def store_vectors(pks: dict[str, int], vectors: dict[str, np.ndarray]) -> None:
    from django.db import connection

    from paperwire.catalogue.models import Paper
    from paperwire.search import current_model_id
    from paperwire.search.documents import content_hash  # bench only: the stored row's hash

    have = set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT paper_id FROM search_embedding")
        have = {row[0] for row in cursor.fetchall()}
    todo = [(a, pk) for a, pk in pks.items() if a in vectors and pk not in have]
    text_of = dict(Paper.objects.filter(pk__in=[pk for _, pk in todo]).values_list("pk", "title"))
    abstract_of = dict(
        Paper.objects.filter(pk__in=[pk for _, pk in todo]).values_list("pk", "abstract")
    )
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO search_embedding (paper_id, model, content_hash, vector, encoded_at, "
            "checked_at) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (pk, current_model_id(), content_hash(text_of[pk], abstract_of[pk] or ""),
                 vectors[a].astype("<f4").tobytes(), now, now)
                for a, pk in todo
            ],
        )  # fmt: skip


def timed(fn: Any, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    args = parse_args()
    if not args.users.exists() or not (SHARED_DATA / "arxiv-cs-daily-listings").exists():
        print(f"skipped: shared data not present ({args.users})")
        return
    print(cpu_line())
    real = load_real()
    rows = [tuple(line.rstrip("\n").split("\t")[:2]) for line in args.users.open()][1:]
    if args.limit:
        rows = rows[: args.limit]
    cases = splits(real, [(a, c) for a, c in rows], args.window)
    cuts = sorted({(c["cut"], c["end"]) for c in cases})
    if len(cuts) > 1:
        log("several cut dates: For you runs once per cut, each on its own catalogue")
    results: dict[str, list[tuple[float, float]]] = defaultdict(list)

    def score(method: str, ranked: list[str], relevant: set[str]) -> None:
        grades = dict.fromkeys(relevant, 1)
        recall = len(set(ranked[:50]) & relevant) / len(relevant) if relevant else 0.0
        results[method].append((ndcg_at(ranked, grades, 20), recall))

    svm_rankings = recipe(real, cases)
    foryou_rankings: dict[int, list[str]] = {}
    timings: dict[str, Any] = {}
    for cut, end in cuts:
        members = [n for n, c in enumerate(cases) if c["cut"] == cut]
        foryou_rankings.update(foryou(real, cases, members, cut, end, args, timings))
    for n, case in enumerate(cases):
        window = [r for r in real if case["cut"] <= r["listing_date"] < case["end"]]
        newest = [
            r["id"]
            for r in sorted(window, key=lambda r: (r["listing_date"], r["id"]), reverse=True)
        ]
        score("newest", newest, case["rel"])
        score("svm_tfidf", svm_rankings[n], case["rel"])
        score("foryou", foryou_rankings[n], case["rel"])
    half = {"A (even rows)": slice(0, None, 2), "B (odd rows)": slice(1, None, 2)}
    print(f"readers: {len(cases)} ({args.users.name}, window {args.window} days)")
    for method, values in results.items():
        nd = [v[0] for v in values]
        rc = [v[1] for v in values]
        parts = "  ".join(f"{h} {statistics.mean(nd[s]):.3f}" for h, s in half.items() if nd[s])
        print(
            f"  {method:10s} nDCG@20 {statistics.mean(nd):.3f}  Recall@50 {statistics.mean(rc):.3f}"
            f"  ({parts})"
        )
    mean = {m: statistics.mean(v[0] for v in values) for m, values in results.items()}
    ratio = mean["foryou"] / mean["svm_tfidf"] if mean["svm_tfidf"] else float("nan")
    print(f"  foryou / svm_tfidf = {ratio:.2f} (target >= 1.20)")
    for line in timings.get("lines", []):
        print(line)
    print(
        f"nDCG@20 newest={mean['newest']:.3f} svm_tfidf={mean['svm_tfidf']:.3f} "
        f"foryou={mean['foryou']:.3f}"
    )


def foryou(
    real: list[dict[str, Any]],
    cases: list[dict[str, Any]],
    members: list[int],
    cut: str,
    end: str,
    args: argparse.Namespace,
    timings: dict[str, Any],
) -> dict[int, list[str]]:
    from tqdm import tqdm

    setup_django(WORK)
    from django.contrib.auth import get_user_model

    from paperwire.foryou import features, recommend, retrain
    from paperwire.foryou.models import StoredModel
    from paperwire.library import save

    before = [i for i, r in enumerate(real) if r["listing_date"] < cut]
    window = [i for i, r in enumerate(real) if cut <= r["listing_date"] < end]
    log(f"cut {cut}: {len(before):,} papers before it, {len(window):,} in the window")
    pks = add_papers(real, before)
    # The engine's own samples (calibration, hubness reference) need vectors like the site's.
    negatives, calibration, _ = features.background()
    index_of = {r["id"]: i for i, r in enumerate(real)}
    by_pk = {pk: a for a, pk in pks.items()}
    sample = [index_of[by_pk[int(pk)]] for pk in calibration.ids.tolist()]
    sample += [index_of[by_pk[int(pk)]] for pk in negatives.ids[: features.HUB_REFERENCE]]
    libraries = [i for n in members for i in cases[n]["library"]]
    vectors = cached_vectors(real, libraries + sample + window)
    store_vectors(pks, vectors)
    features.forget()

    users = get_user_model()
    trained: dict[int, Any] = {}
    began = time.monotonic()
    for n in tqdm(members, desc="foryou: save + train", unit="reader", file=sys.stderr):
        user = users.objects.create_user(username=f"reader{n}")
        for i in reversed(cases[n]["library"]):
            save(user, _paper(pks[real[i]["id"]]))
        retrain(user)
        trained[n] = user
    log(f"libraries saved and {len(members)} models trained in {time.monotonic() - began:.0f} s")

    # The window's papers arrive after the models were trained, as new papers do.
    new = add_papers(real, window)
    store_vectors(new, vectors)
    features.forget()
    ids = list(new.values())
    arxiv_of = {pk: a for a, pk in new.items()}
    out: dict[int, list[str]] = {}
    for n in tqdm(members, desc="foryou: rank", unit="reader", file=sys.stderr):
        ranked = recommend(trained[n], ids, limit=50)  # nDCG@20 and Recall@50 need no more
        out[n] = [arxiv_of[r.paper_id] for r in ranked]

    lines = timings.setdefault("lines", [])
    sizes = [len(b) for b in StoredModel.objects.exclude(blob=b"").values_list("blob", flat=True)]
    rng = random.Random(5)
    for count in (50, 500):
        user = users.objects.create_user(username=f"synthetic{count}")
        for i in rng.sample(before, count):
            save(user, _paper(pks[real[i]["id"]]))
        seconds = timed(lambda user=user: retrain(user), repeat=2)
        lines.append(
            f"  train one reader, {count} signals: {seconds * 1000:.0f} ms (target <= 1 s)"
        )
    reader = trained[members[0]]
    day_ids = ids[:1500]
    month_ids = [pks[real[i]["id"]] for i in before[-30_000:]]
    for label, chosen in (("a day of 1,500", day_ids), ("a month of 30,000", month_ids)):
        features.forget()
        cold = timed(lambda chosen=chosen: recommend(reader, chosen, limit=20), repeat=1)
        warm = timed(lambda chosen=chosen: recommend(reader, chosen, limit=20))
        lines.append(
            f"  rank {label}: {warm * 1000:.0f} ms (first call, building the shared matrix: "
            f"{cold * 1000:.0f} ms){' (target <= 50 ms)' if '1,500' in label else ''}"
        )
    lines.append(
        f"  stored model per reader: mean {statistics.mean(sizes) / 1024:.1f} KB, "
        f"max {max(sizes) / 1024:.1f} KB ({len(sizes)} readers)"
    )
    lines.extend(compose(users, trained, day_ids, args))
    return out


def compose(
    users: Any, trained: dict[int, Any], day: list[int], args: argparse.Namespace
) -> list[str]:
    """For-you sections of ``--compose-sample`` subscribers as the digest composer makes them:
    ``recommend_many`` over chunks of ``FOR_YOU_CHUNK`` readers, one candidate set (a day);
    the subscribers' models are the dev readers' trained models (real papers' signals) under
    fresh accounts."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from paperwire.dbutil import insert_rows
    from paperwire.digests.sections import FOR_YOU_CHUNK, FOR_YOU_ITEMS, FOR_YOU_SLACK
    from paperwire.foryou import features, recommend_many
    from paperwire.foryou.models import StoredModel

    sample = min(args.compose_sample, args.subscribers)
    # One bytes object per dev reader, shared by every copy: 100,000 copies stay small.
    blobs = [
        bytes(b)
        for b in StoredModel.objects.filter(user__in=list(trained.values()))
        .exclude(blob=b"")
        .values_list("blob", flat=True)
    ]
    password = make_password(None)
    for start in range(0, sample, 20_000):
        users.objects.bulk_create(
            [
                users(username=f"subscriber{n}", password=password)
                for n in range(start, min(sample, start + 20_000))
            ],
            batch_size=5000,
        )
    ids = list(users.objects.filter(username__startswith="subscriber").values_list("pk", flat=True))
    now = timezone.now()
    for start in range(0, len(ids), 20_000):
        insert_rows(
            StoredModel,
            ("user_id", "blob", "trained_at", "positives", "negatives"),
            [
                (pk, blobs[n % len(blobs)], now, 10, 0)
                for n, pk in enumerate(ids[start : start + 20_000], start)
            ],
        )
    features.forget()
    features.candidates(day)  # the composer builds the day's matrix once
    load = os.getloadavg()[0]
    began = time.perf_counter()
    sections = 0
    for start in range(0, len(ids), FOR_YOU_CHUNK):
        chunk = ids[start : start + FOR_YOU_CHUNK]
        sections += len(recommend_many(chunk, day, FOR_YOU_ITEMS + FOR_YOU_SLACK))
    seconds = time.perf_counter() - began
    assert sections == len(ids)
    if len(ids) >= args.subscribers:
        reach = "measured, not scaled"
    else:
        scaled = seconds * args.subscribers / len(ids)
        reach = f"-> {args.subscribers:,} subscribers ~{scaled:.0f} s (scaled linearly)"
    return [
        f"  digest For-you sections: {len(ids):,} subscribers in {seconds:.1f} s "
        f"({len(ids) / seconds:,.0f}/s; {reach}; chunks of {FOR_YOU_CHUNK:,}, "
        f"{len(day):,} candidates, exact ranking; load average {load:.1f} at the start; "
        f"target <= 60 s)"
    ]


def _paper(pk: int) -> Any:
    from paperwire.catalogue.models import Paper

    return Paper.objects.get(pk=pk)


if __name__ == "__main__":
    main()
