"""Features of catalogue papers for the ranking models: loaded from the database, shared.

* the term statistics (idf of hashed word 1-2-grams) are fitted on a sample of the catalogue
  and stored in the database (``TermStatistics``), refitted when the catalogue has doubled;
* a set of candidates (a day, a week, a month) becomes one ``PaperSet`` per process, cached,
  so every reader, page and digest section scores against the same matrix;
* the background (weak negatives for the SVM) and the calibration sample are fixed random
  samples of the catalogue, loaded once per process and renewed every few hours.

Stored vectors come through ``paperwire.search``'s public face; a paper without one yet is
ranked by its words.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np
from django.db import transaction
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.foryou.model import (
    N_TERMS,
    Floats,
    PaperSet,
    fit_idf,
    hubness,
    paper_text,
    term_counts,
    weigh,
)
from paperwire.foryou.models import TermStatistics
from paperwire.search import current_model_id, vectors_for

TERM_SAMPLE = 50_000  # papers counted for the idf (the newest)
BACKGROUND = 20_000  # weak negatives per model: measured 0.149 (2,000) -> 0.177 (20,000)
CALIBRATION = 1_000
HUB_REFERENCE = 2_000
BACKGROUND_TTL = 6 * 3600.0  # seconds a process keeps its background before reloading it
CANDIDATE_SETS = 4  # candidate matrices kept per process (today, this week, this month...)
# Papers get their vectors in the background, so a period's matrix is rebuilt after a while.
CANDIDATE_TTL = 600.0
SEED = 13

_lock = threading.Lock()
_idf: tuple[int, Floats] | None = None
_background: tuple[float, PaperSet, PaperSet, Floats] | None = None
_candidates: OrderedDict[tuple[int, int, bytes], tuple[float, PaperSet]] = OrderedDict()


def idf() -> Floats:
    """The current term statistics, fitted now if there are none yet."""
    global _idf
    latest = TermStatistics.objects.order_by("-fitted_at").values_list("pk", flat=True).first()
    if latest is None:
        return refit_terms()
    if _idf is None or _idf[0] != latest:
        row = TermStatistics.objects.get(pk=latest)
        values = np.frombuffer(zlib.decompress(bytes(row.blob)), dtype=np.float32)
        _idf = (latest, values)
    return _idf[1]


def terms_stale() -> bool:
    """No statistics yet, or the catalogue has more than doubled since they were fitted."""
    row = TermStatistics.objects.order_by("-fitted_at").first()
    return row is None or Paper.objects.count() > 2 * max(row.catalogue_size, 500)


def refit_terms(sample: int = TERM_SAMPLE) -> Floats:
    """Count the terms of the newest ``sample`` papers and store their idf."""
    global _idf
    size = Paper.objects.count()
    rows = Paper.objects.order_by("-announced_on", "-pk").values_list("title", "abstract")
    texts = [paper_text(t, a) for t, a in rows[:sample].iterator(chunk_size=2000)]
    values = fit_idf(term_counts(texts)) if texts else np.ones(N_TERMS, dtype=np.float32)
    with transaction.atomic():
        row = TermStatistics.objects.create(
            fitted_at=timezone.now(),
            papers=len(texts),
            catalogue_size=size,
            blob=zlib.compress(values.astype(np.float32).tobytes(), 6),
        )
        TermStatistics.objects.exclude(pk=row.pk).delete()
    _idf = (row.pk, values)
    return values


def paper_set(paper_ids: Iterable[int], *, texts: bool = False) -> PaperSet:
    """The features of these papers, in the order given (unknown ids are left out)."""
    wanted = list(dict.fromkeys(int(i) for i in paper_ids))
    found: dict[int, tuple[str, str, list[str], dt.date | None]] = {}
    for start in range(0, len(wanted), 5000):
        rows = Paper.objects.filter(pk__in=wanted[start : start + 5000]).values_list(
            "pk", "title", "abstract", "categories", "announced_on"
        )
        for pk, title, abstract, categories, day in rows:
            found[pk] = (title, abstract, list(categories or []), day)
    ids = [i for i in wanted if i in found]
    documents = [paper_text(found[i][0], found[i][1]) for i in ids]
    dim = 384
    vectors = np.zeros((len(ids), dim), dtype=np.float32)
    has = np.zeros(len(ids), dtype=bool)
    if ids:
        with_vector, matrix = vectors_for(ids, current_model_id())
        if with_vector:
            if matrix.shape[1] != dim:
                vectors = np.zeros((len(ids), matrix.shape[1]), dtype=np.float32)
            row_of = {pk: n for n, pk in enumerate(ids)}
            placed = [row_of[pk] for pk in with_vector]
            vectors[placed] = matrix
            has[placed] = True
    return PaperSet(
        ids=np.array(ids, dtype=np.int64),
        terms=weigh(term_counts(documents), idf()),
        vectors=vectors,
        has_vector=has,
        categories=[found[i][2] for i in ids],
        days=np.array([_day(found[i][3]) for i in ids], dtype=np.int64),
        texts=documents if texts else [],
    )


def _day(day: dt.date | None) -> int:
    return day.toordinal() if day else 0


def background() -> tuple[PaperSet, PaperSet, Floats]:
    """(weak negatives, the calibration sample, the reference vectors of hubness): fixed
    random samples of the catalogue's newest papers, the same for every reader."""
    global _background
    with _lock:
        if _background is not None and time.monotonic() - _background[0] < BACKGROUND_TTL:
            return _background[1], _background[2], _background[3]
        pool = list(
            Paper.objects.filter(hidden=False)
            .order_by("-announced_on", "-pk")
            .values_list("pk", flat=True)[: 5 * (BACKGROUND + CALIBRATION)]
        )
        pool.sort()  # the sample depends on which papers, not on the order they came in
        picked = random.Random(SEED).sample(pool, min(len(pool), BACKGROUND + CALIBRATION))
        if len(picked) >= 4 * CALIBRATION:
            calibration = paper_set(picked[:CALIBRATION])
            negatives = paper_set(picked[CALIBRATION:])
        else:  # a small catalogue: every paper serves both (disjoint halves would be noise)
            calibration = negatives = paper_set(picked)
        reference = negatives.vectors[negatives.has_vector][:HUB_REFERENCE]
        calibration.with_hub(reference)
        _background = (time.monotonic(), negatives, calibration, reference)
        return negatives, calibration, reference


def candidates(paper_ids: Sequence[int]) -> PaperSet:
    """The features of a period's papers, built once per process and shared by every reader
    (an LRU of ``CANDIDATE_SETS``); their texts are kept for explanations."""
    ids = np.array(list(dict.fromkeys(int(i) for i in paper_ids)), dtype=np.int64)
    latest = TermStatistics.objects.order_by("-fitted_at").values_list("pk", flat=True).first()
    key = (len(ids), latest or 0, ids.tobytes())
    with _lock:
        cached = _candidates.get(key)
        if cached is not None and time.monotonic() - cached[0] < CANDIDATE_TTL:
            _candidates.move_to_end(key)
            return cached[1]
    _, _, reference = background()
    found = paper_set(ids.tolist(), texts=True).with_hub(reference)
    with _lock:
        _candidates[key] = (time.monotonic(), found)
        _candidates.move_to_end(key)
        while len(_candidates) > CANDIDATE_SETS:
            _candidates.popitem(last=False)
    return found


def forget() -> None:
    """Drop what this process cached (tests; after a bulk change of the catalogue)."""
    global _idf, _background
    with _lock:
        _idf = None
        _background = None
        _candidates.clear()


__all__ = ["background", "candidates", "forget", "hubness", "idf", "paper_set", "refit_terms"]
