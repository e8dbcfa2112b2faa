"""Ranking for the pages and the digests: the stored model of each reader scores a period's
papers; nothing is trained here (a reader without a model yet gets a status, not a wait)."""

from __future__ import annotations

import enum
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from paperwire.catalogue.models import Paper
from paperwire.community import follow_reason, followers_of_papers
from paperwire.foryou import features
from paperwire.foryou.model import Floats, PaperSet, ReaderModel, Reason, score_matrix
from paperwire.foryou.models import StoredModel
from paperwire.foryou.train import MIN_POSITIVES
from paperwire.library import Entry, Kind, hidden_for, reader_signals

WORDS = 3
# Added to the score of a paper by an author (or from an organisation) the reader follows.
# Scores are sums of calibrated features (model.WEIGHTS: words 1.0, meaning 1.5, categories
# 0.75), so this is what one calibrated unit of word match is worth: a followed author's paper
# that fits the reader moderately rises into the top, one far from their interests does not.
# Kept small on purpose: the "Followed authors" digest section and the private feed already
# show every such paper; For you stays a ranking by interest, with following one signal in it.
FOLLOW_BOOST = 1.0


@dataclass(frozen=True)
class Recommendation:
    paper_id: int
    score: float
    why: list[str]  # sentences a reader understands


class Status(enum.StrEnum):
    NO_SIGNALS = "no_signals"
    FEW_POSITIVES = "few_positives"  # fewer than MIN_POSITIVES
    TRAINING = "training"  # signals changed; the new model is on its way
    READY = "ready"


def status(user: Any) -> Status:
    signals = reader_signals(user)
    if signals.empty:
        return Status.NO_SIGNALS
    if len(signals.positives) < MIN_POSITIVES:
        return Status.FEW_POSITIVES
    # A model trained on older signals still ranks while its successor trains.
    blob = StoredModel.objects.filter(user=user).values_list("blob", flat=True).first()
    return Status.READY if blob else Status.TRAINING


def load(user_id: int) -> ReaderModel | None:
    blob = StoredModel.objects.filter(user_id=user_id).values_list("blob", flat=True).first()
    return ReaderModel.from_bytes(blob) if blob else None


def _ids(papers: Iterable[int] | Iterable[Paper] | Any) -> list[int]:
    if hasattr(papers, "values_list"):  # a queryset
        return list(papers.values_list("pk", flat=True))
    return [p.pk if isinstance(p, Paper) else int(p) for p in papers]


def recommend(user: Any, papers: Iterable[int] | Any, limit: int = 50) -> list[Recommendation]:
    """The best ``limit`` of ``papers`` (ids, Paper objects or a queryset) for ``user``, best
    first, each with why; empty while the reader has no trained model."""
    model = load(user.pk)
    if model is None:
        return []
    signals = reader_signals(user)
    candidates = features.candidates(_ids(papers))
    scores = model.score(candidates)
    followed = followers_of_papers(candidates.ids.tolist(), [user.pk]).get(user.pk, {})
    _boost(scores[None, :], candidates, [frozenset(followed)])
    top = _best(scores, candidates, signals.hidden, limit)
    reasons = model.explain(candidates, top, words=WORDS)
    titles = _titles(r.nearest for r in reasons)
    how = {pk: _how(pk, signals.positives, signals.collections) for pk in titles}
    positives = len(signals.positives)
    out = []
    for row, r in zip(top, reasons, strict=True):
        pk = int(candidates.ids[row])
        why = _words(r, titles, how, positives)
        out.append(Recommendation(pk, float(scores[row]), _followed_why(followed.get(pk)) + why))
    return out


def recommend_many(
    user_ids: Sequence[int], candidate_ids: Sequence[int], limit: int = 10
) -> dict[int, list[Recommendation]]:
    """``recommend`` for many readers over the same papers (the digest composer): the models
    are scored in blocks against one shared matrix, each reader's best picked from one array;
    reasons name the nearest library paper. Readers without a model are left out."""
    candidates = features.candidates(candidate_ids)
    # Built here, once: a forked child's copy would be thrown away with it, chunk after chunk.
    candidates.shared()
    candidates.category_matrix()
    out: dict[int, list[Recommendation]] = {}
    chunk = 2000
    paper_ids = candidates.ids.tolist()
    for start in range(0, len(user_ids), chunk):
        group = list(user_ids[start : start + chunk])
        blobs = dict(
            StoredModel.objects.filter(user_id__in=group)
            .exclude(blob=b"")
            .values_list("user_id", "blob")
        )
        readers = [u for u in group if blobs.get(u)]
        if not readers:
            continue
        stored = [blobs[u] for u in readers]
        del blobs
        hidden = hidden_for(readers, paper_ids)
        hides = [hidden.get(u, frozenset()) for u in readers]
        follows = followers_of_papers(paper_ids, readers)
        boosts = [frozenset(follows.get(u, ())) for u in readers]

        def rank(part: slice) -> list[Ranked]:
            models = [ReaderModel.from_bytes(b) for b in stored[part]]  # noqa: B023
            return _rank(models, hides[part], candidates, limit, boosts[part])  # noqa: B023

        ranked = _on_both_cores(rank, len(readers))
        titles = _titles(n for _, _, near in ranked for n in near)
        why = {pk: f"close to «{title}» in your library" for pk, title in titles.items()}
        for user_id, (top, values, near) in zip(readers, ranked, strict=True):
            mine = follows.get(user_id, {})
            out[user_id] = [
                Recommendation(
                    paper_ids[row],
                    value,
                    _followed_why(mine.get(paper_ids[row])) + ([why[n]] if n in why else []),
                )
                for row, value, n in zip(top, values, near, strict=True)
            ]
    return out


Ranked = tuple[list[int], list[float], list[int | None]]  # rows, their scores, nearest papers
# Below this many readers a second process costs more than it saves.
PARALLEL_READERS = 200


def _rank(
    models: Sequence[ReaderModel],
    hidden: Sequence[frozenset[int]],
    candidates: PaperSet,
    limit: int,
    boosted: Sequence[frozenset[int]] = (),
) -> list[Ranked]:
    scores = score_matrix(models, candidates)
    if boosted:
        _boost(scores, candidates, boosted)
    tops = _best_many(scores, candidates, hidden, limit)
    return [
        (top, scores[r, top].tolist(), _nearest(model, candidates, top))
        for r, (model, top) in enumerate(zip(models, tops, strict=True))
    ]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _on_both_cores(work: Callable[[slice], list[Ranked]], count: int) -> list[Ranked]:
    """``work(slice(0, count))``, its second half computed at the same time by a forked child
    process when this process may use two cores: the sparse products and the per-reader steps
    hold the GIL, so threads would not help. The child only computes (no database, no files)
    and sends its result back through a pipe; if it fails, this process does its half too."""
    if count < PARALLEL_READERS or _cores() < 2 or not hasattr(os, "fork"):
        return work(slice(0, count))
    half = count // 2
    read, write = os.pipe()
    # Each process one BLAS thread: two processes with a thread per core each would make four
    # busy threads on two cores.
    with threadpool_limits(limits=1, user_api="blas"):
        pid = os.fork()
        if (
            pid == 0
        ):  # the child: compute, send, leave without running any of the parent's exit code
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(work(slice(half, count)), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        try:
            first = work(slice(0, half))
        finally:
            data, status = _child_result(read, pid)
        if status == 0 and data:
            second: list[Ranked] = pickle.loads(data)  # noqa: S301 (our own child's output)
        else:
            second = work(slice(half, count))
    return first + second


# How long the child may take beyond this process's own half. A child forked while another
# thread of a worker held a lock (in BLAS, say) could wait on it forever: it is then killed
# and this process ranks its half itself.
CHILD_GRACE_SECONDS = 60.0


def _child_result(read: int, pid: int) -> tuple[bytes, int]:
    """The child's bytes and exit status; a child that outlives the grace period is killed
    (status non-zero, so the caller computes the half itself)."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + CHILD_GRACE_SECONDS
    try:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read], [], [], max(left, 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return b"", 1
            chunk = os.read(read, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks), status


def more_like_collection(
    collection: Any, candidate_ids: Sequence[int], limit: int = 20
) -> list[Recommendation]:
    """Papers like those of ``collection`` (a library ``Collection``): a model of its papers
    made now, without an SVM (milliseconds), so no training waits."""
    paper_ids = list(Entry.objects.filter(collection=collection).values_list("paper_id", flat=True))
    if not paper_ids:
        return []
    negatives, calibration, _ = features.background()
    library = features.paper_set(paper_ids)
    if not len(library):
        return []
    empty = library.take(np.zeros(0, dtype=np.int64))
    model = ReaderModel.fit(library, empty, negatives, calibration, learn_terms=False)
    candidates = features.candidates(candidate_ids)
    scores = model.score(candidates)
    top = _best(scores, candidates, frozenset(paper_ids), limit)
    reasons = model.explain(candidates, top, words=WORDS)
    titles = _titles(r.nearest for r in reasons)
    how = {pk: f"in {collection.name}" for pk in titles}
    return [
        Recommendation(
            int(candidates.ids[row]), float(scores[row]), _words(r, titles, how, len(library))
        )
        for row, r in zip(top, reasons, strict=True)
    ]


def _boost(scores: Floats, candidates: PaperSet, boosted: Sequence[frozenset[int]]) -> None:
    """Add ``FOLLOW_BOOST`` to each row's papers by names the reader follows (in place)."""
    if not any(boosted):
        return
    row_of = {pk: n for n, pk in enumerate(candidates.ids.tolist())}
    for r, pks in enumerate(boosted):
        columns = [row_of[pk] for pk in pks if pk in row_of]
        if columns:
            scores[r, columns] += FOLLOW_BOOST


def _followed_why(names: list[tuple[str, str]] | None) -> list[str]:
    """The reasons a followed name gives, first: what the reader chose explains best."""
    return [follow_reason(kind, name) for kind, name in (names or [])[:2]]


def _best(scores: Floats, candidates: PaperSet, hidden: frozenset[int], limit: int) -> list[int]:
    return _best_many(scores[None, :].copy(), candidates, [hidden], limit)[0]


def _best_many(
    scores: Floats, candidates: PaperSet, hidden: Sequence[frozenset[int]], limit: int
) -> list[list[int]]:
    """Each row's best ``limit`` columns of ``scores`` (readers × candidates), best first, the
    older id first on ties, none of the row's ``hidden`` papers. ``scores`` is overwritten."""
    if scores.shape[1] == 0 or limit <= 0:
        return [[] for _ in hidden]
    row_of = {pk: n for n, pk in enumerate(candidates.ids.tolist())} if any(hidden) else {}
    for r, pks in enumerate(hidden):
        columns = [row_of[pk] for pk in pks if pk in row_of]
        if columns:
            scores[r, columns] = -np.inf
    k = min(limit, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((candidates.ids[part], -values), axis=-1)
    best = np.take_along_axis(part, order, axis=1)
    shown = np.isfinite(np.take_along_axis(values, order, axis=1))
    return [row[keep].tolist() for row, keep in zip(best, shown, strict=True)]


def _nearest(model: ReaderModel, candidates: PaperSet, rows: list[int]) -> list[int | None]:
    if not rows or not len(model.library_vectors):
        return [None] * len(rows)
    sims = candidates.vectors[rows] @ model.library_vectors.astype(np.float32).T
    best = sims.argmax(axis=1)
    return [
        int(model.library_vector_ids[b]) if candidates.has_vector[r] else None
        for r, b in zip(rows, best, strict=True)
    ]


def _titles(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return dict(Paper.objects.filter(pk__in=wanted).values_list("pk", "title"))


def _how(pk: int, positives: dict[int, str], collections: dict[int, list[str]]) -> str:
    if collections.get(pk):
        return "in " + ", ".join(collections[pk][:2])
    kind = positives.get(pk)
    if kind == "upvoted":
        return "which you upvoted"
    if kind == Kind.MORE:
        return "which you asked more of"
    return "in your library"


def _words(reason: Reason, titles: dict[int, str], how: dict[int, str], total: int) -> list[str]:
    out = []
    if reason.nearest in titles:
        nearest = reason.nearest
        out.append(f"close to «{titles[nearest]}» {how.get(nearest, 'in your library')}")
    if reason.words:
        out.append("the words that weighed most: " + ", ".join(f"«{w}»" for w in reason.words))
    if reason.category:
        count = max(1, round(reason.category_share * total))
        out.append(f"in {reason.category}, like {count} of your {total} papers")
    return out
