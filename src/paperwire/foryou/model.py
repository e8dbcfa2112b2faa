"""The personal ranking model, free of Django: features of papers in, scores and reasons out.

A reader's model learns from their positives (saved, upvoted, "more like this"), their
negatives ("less like this", "not interested") and unlabelled background papers (weak
negatives, as arxiv-sanity-lite does). It scores a paper by five features, each put on a
common scale by the reader's own calibration (its mean and spread over a fixed sample of
catalogue papers, measured when the model is trained), and a weighted sum whose GLOBAL
weights were fitted on half of the benchmark's dev readers (``bench/recommend.py``) and
checked on the other half. Held-out nDCG@20 on those readers (arxiv-sanity-lite's recipe:
0.158): nearest library paper by meaning alone 0.085; the recipe's SVM against 20,000
background papers instead of all 0.149; the SVM in hashed 1-2-grams with no vocabulary cap
0.177; with the features below, fused 0.184 (C=0.01), 0.189 with recency, 0.197 with C=0.1:

* ``terms``: a linear SVM over tf-idf of word 1-2-grams, hashed (2^20 buckets) so that a rare
  method or data-set name keeps its own feature and a word first seen today still counts: the
  recipe's 20,000-term vocabulary cut exactly the rare terms that say most about a reader;
* ``near_terms``: how close the paper is, in the same tf-idf space, to the three library
  papers nearest to it (an author's next paper is close to one or two specific earlier ones);
* ``near_meaning``: the cosine to the nearest library paper in the sentence-embedding space,
  newer library papers counting a little more;
* ``categories``: how much of the library shares the paper's arXiv categories;
* ``hub``: how close the paper is to everything (its mean similarity to its ten nearest
  background papers), which the nearest-neighbour features otherwise over-reward.

Scores do not depend on which other papers are ranked with them, so a day, a month, a page
and a digest all agree, and many readers are scored in one pass over a shared candidate
matrix (``score_many``).
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.svm import LinearSVC

Floats = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]

N_TERMS = 2**20
FEATURES = ("terms", "near_terms", "near_meaning", "categories", "hub")
# Fitted on half of the dev readers by a coordinate search for nDCG@20, checked on the
# other half (bench/recommend.py --tune); a reader's own model is the per-reader part.
# near_terms added nothing on top of the others (0.197 with it, 0.196 without, held out), so
# readers' models skip it; a collection's model, which has no SVM, needs it.
WEIGHTS = {"terms": 1.0, "near_terms": 0.0, "near_meaning": 1.5, "categories": 0.75, "hub": -0.75}
# A collection model is made at request time, so it has no SVM: the neighbours carry it.
COLLECTION_WEIGHTS = {**WEIGHTS, "terms": 0.0, "near_terms": 1.0}
NEGATIVE_WEIGHT = 0.5  # per unit of calibrated closeness to the nearest dismissed paper
SVM_C = 0.1  # the recipe's 0.01 measured 0.192 -> 0.197 nDCG@20 here (held-out dev halves)
NEAREST = 3  # near_terms: the mean of the best this many library papers
RECENCY_DAYS = 180.0  # a library paper this many days older than the newest counts 1/e less
RECENCY_BONUS = 0.1  # at most this much cosine is added for the newest library papers
HUB_NEIGHBOURS = 10
KEEP_TERMS = 4000  # the SVM's largest weights kept (the rest are tiny background terms)
KEEP_LIBRARY = 100  # the newest positives kept for the nearest-paper features
KEEP_ROW_TERMS = 64  # a library paper's heaviest terms kept for near_terms
# A reader's model does not weigh near_terms; its library terms only say which library paper
# a paper without a vector is closest to.
EXPLAIN_ROW_TERMS = 16
EXPLICIT_NEGATIVE_WEIGHT = 5.0  # a dismissal says more than an unlabelled paper
FORMAT = 1
# A feature that hardly varies over the calibration sample (a tiny catalogue) must not blow
# up: real spreads are 0.02-0.5.
MIN_SCALE = 0.01

_WORD = re.compile(r"(?u)\b\w\w+\b")


@cache
def hasher() -> HashingVectorizer:
    """Word 1-2-grams (English stop words out) counted into ``N_TERMS`` buckets."""
    return HashingVectorizer(
        n_features=N_TERMS,
        ngram_range=(1, 2),
        stop_words="english",
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )


def paper_text(title: str, abstract: str) -> str:
    return f"{title} | {abstract}"


def term_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Sublinear term frequencies (1 + log tf) of ``texts`` in the hashed space."""
    if not texts:
        return sp.csr_matrix((0, N_TERMS), dtype=np.float32)
    counts = hasher().transform(texts).tocsr()
    counts.data = 1.0 + np.log(counts.data)
    return counts


def fit_idf(counts: sp.csr_matrix, max_df: float = 0.1) -> Floats:
    """Smoothed idf per bucket from the papers in ``counts``; buckets in more than ``max_df``
    of them weigh nothing (the recipe's max_df: words every paper uses say nothing about a
    reader). A small catalogue keeps every term, since there a tenth is a handful of papers."""
    papers = counts.shape[0]
    df = np.bincount(counts.indices, minlength=N_TERMS)
    idf: Floats = (np.log((1.0 + papers) / (1.0 + df)) + 1.0).astype(np.float32)
    if papers >= 1000:
        idf[df > max_df * papers] = 0.0
    return idf


def weigh(counts: sp.csr_matrix, idf: Floats) -> sp.csr_matrix:
    """tf-idf rows, each of unit length (an empty row stays empty)."""
    weighted = (counts @ sp.diags(idf)).tocsr().astype(np.float32)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    out: sp.csr_matrix = (sp.diags(1.0 / np.maximum(norms, 1e-9)) @ weighted).tocsr()
    return out.astype(np.float32)


def words_of(text: str) -> dict[int, str]:
    """The bucket of each word and word pair of ``text`` -> the words, to say which weighed."""
    analyse = hasher().build_analyzer()
    grams = analyse(text)
    buckets = hasher().transform(grams).tocsr()
    out: dict[int, str] = {}
    for row, gram in enumerate(grams):
        for bucket in buckets.indices[buckets.indptr[row] : buckets.indptr[row + 1]]:
            out.setdefault(int(bucket), gram)
    return out


@dataclass
class PaperSet:
    """Features of some papers, in one order: their tf-idf rows, their embedding (a zero row
    and ``has_vector`` False when a paper has none yet), categories and hubness."""

    ids: Ids
    terms: sp.csr_matrix
    vectors: Floats
    has_vector: npt.NDArray[np.bool_]
    categories: list[list[str]]
    days: npt.NDArray[np.int64]  # day numbers (any epoch), for the library's recency
    hub: Floats = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    texts: list[str] = field(default_factory=list)  # for explanations only; may be empty
    _category_index: tuple[dict[str, int], sp.csr_matrix] | None = None
    _shared: Shared | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: Sequence[int] | npt.NDArray[np.int64]) -> PaperSet:
        rows = np.asarray(rows, dtype=np.int64)
        return PaperSet(
            ids=self.ids[rows],
            terms=self.terms[rows],
            vectors=self.vectors[rows],
            has_vector=self.has_vector[rows],
            categories=[self.categories[r] for r in rows],
            days=self.days[rows],
            hub=self.hub[rows] if len(self.hub) else self.hub,
            texts=[self.texts[r] for r in rows] if self.texts else [],
        )

    def category_matrix(self) -> tuple[dict[str, int], sp.csr_matrix]:
        """Papers × categories (1 where the paper is in it), built once per set."""
        if self._category_index is None:
            index: dict[str, int] = {}
            rows, cols = [], []
            for row, names in enumerate(self.categories):
                for name in set(names):
                    rows.append(row)
                    cols.append(index.setdefault(name, len(index)))
            matrix = sp.csr_matrix(
                (np.ones(len(rows), dtype=np.float32), (rows, cols)),
                shape=(len(self), max(1, len(index))),
            )
            self._category_index = (index, matrix)
        return self._category_index

    def shared(self) -> Shared:
        """The reader-independent part of ``score_matrix`` for this set, built once."""
        if self._shared is None:
            self._shared = Shared.of(self)
        return self._shared

    def with_hub(self, reference: Floats) -> PaperSet:
        """This set with ``hub`` measured against ``reference`` (background vectors)."""
        self.hub = hubness(self.vectors, self.has_vector, reference)
        self._shared = None
        return self


def hubness(vectors: Floats, has_vector: npt.NDArray[np.bool_], reference: Floats) -> Floats:
    out = np.zeros(len(vectors), dtype=np.float32)
    if len(reference) == 0:
        return out
    k = min(HUB_NEIGHBOURS, len(reference))
    for start in range(0, len(vectors), 2048):
        block = vectors[start : start + 2048] @ reference.T
        top = np.partition(block, block.shape[1] - k, axis=1)[:, -k:]
        out[start : start + 2048] = top.mean(axis=1)
    out[~has_vector] = 0.0
    return out


@dataclass(frozen=True)
class Reason:
    """Why a paper is recommended, as data; ``rank`` turns it into words with titles."""

    nearest: int | None  # the library paper it is closest to (paper id)
    words: list[str]  # the terms that weighed most
    category: str | None  # a category it shares with much of the library
    category_share: float


@dataclass
class ReaderModel:
    """One reader's trained model. ``to_bytes`` stores it in about 20-60 KB."""

    term_index: npt.NDArray[np.int32]
    term_weight: npt.NDArray[np.float16]
    bias: float
    library_ids: Ids  # newest positives first
    library_terms: sp.csr_matrix  # their tf-idf rows (heaviest terms)
    library_vectors: npt.NDArray[np.float16]  # rows of the library papers that have one
    library_vector_ids: Ids
    library_recency: npt.NDArray[np.float16]
    negative_vectors: npt.NDArray[np.float16]
    category_names: list[str]
    category_share: npt.NDArray[np.float32]
    mean: Floats  # calibration, per feature of FEATURES
    scale: Floats
    negative_mean: float = 0.0
    negative_scale: float = 1.0
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))

    # ---- training -------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        positives: PaperSet,
        negatives: PaperSet,
        background: PaperSet,
        calibration: PaperSet,
        *,
        learn_terms: bool = True,
    ) -> ReaderModel:
        """Learn from ``positives`` against ``negatives`` and ``background`` (papers the
        reader has not marked: weak negatives). ``calibration`` is a fixed sample of the
        catalogue, disjoint from ``background``, on which each feature's scale is measured.
        Without ``learn_terms`` no SVM is trained (a collection's model, made per request)."""
        if len(positives) == 0:
            raise ValueError("a model needs at least one positive paper")
        order = np.argsort(-positives.days, kind="stable")[:KEEP_LIBRARY]
        library = positives.take(order)
        index = np.zeros(0, dtype=np.int32)
        weight = np.zeros(0, dtype=np.float16)
        bias = 0.0
        if learn_terms:
            index, weight, bias = _svm(positives, negatives, background)
        vector_rows = np.flatnonzero(library.has_vector)
        newest = float(library.days.max())
        recency = RECENCY_BONUS * np.exp(-(newest - library.days[vector_rows]) / RECENCY_DAYS)
        shares: dict[str, float] = {}
        for names in positives.categories:
            for name in set(names):
                shares[name] = shares.get(name, 0.0) + 1.0 / len(positives)
        model = cls(
            term_index=index,
            term_weight=weight,
            bias=bias,
            library_ids=library.ids.astype(np.int64),
            library_terms=_heaviest(
                library.terms, KEEP_ROW_TERMS if not learn_terms else EXPLAIN_ROW_TERMS, np.float16
            ),
            library_vectors=library.vectors[vector_rows].astype(np.float16),
            library_vector_ids=library.ids[vector_rows].astype(np.int64),
            library_recency=recency.astype(np.float16),
            negative_vectors=negatives.vectors[negatives.has_vector].astype(np.float16),
            category_names=list(shares),
            category_share=np.array(list(shares.values()), dtype=np.float32),
            mean=np.zeros(len(FEATURES), dtype=np.float32),
            scale=np.ones(len(FEATURES), dtype=np.float32),
            weights=dict(WEIGHTS if learn_terms else COLLECTION_WEIGHTS),
        )
        model._calibrate(calibration)
        return model

    def _calibrate(self, calibration: PaperSet) -> None:
        if len(calibration) == 0:
            return
        raw = self.features(calibration)
        self.mean = raw.mean(axis=0).astype(np.float32)
        self.scale = np.maximum(raw.std(axis=0), MIN_SCALE).astype(np.float32)
        with_vector = raw[calibration.has_vector]
        if len(with_vector) > 1:  # the meaning features exist only for papers with a vector
            for column in (2, 4):
                self.mean[column] = with_vector[:, column].mean()
                self.scale[column] = max(float(with_vector[:, column].std()), MIN_SCALE)
        if len(self.negative_vectors) and calibration.has_vector.any():
            near = self._nearest_negative(calibration)[calibration.has_vector]
            self.negative_mean = float(near.mean())
            self.negative_scale = float(max(near.std(), MIN_SCALE))

    # ---- scoring --------------------------------------------------------------------

    def features(self, papers: PaperSet) -> Floats:
        """The raw features (columns in the order of FEATURES) of ``papers``."""
        out = np.zeros((len(papers), len(FEATURES)), dtype=np.float32)
        if len(papers) == 0:
            return out
        if len(self.term_index):
            dense = np.zeros(N_TERMS, dtype=np.float32)
            dense[self.term_index] = self.term_weight.astype(np.float32)
            out[:, 0] = papers.terms @ dense + self.bias
        if self.weights.get("near_terms"):
            out[:, 1] = _top_mean(papers.terms @ self.library_terms.T, NEAREST)
        out[:, 2] = self._near_meaning(papers)
        out[:, 3] = self._categories(papers)
        out[:, 4] = papers.hub if len(papers.hub) else 0.0
        return out

    def _near_meaning(self, papers: PaperSet) -> Floats:
        if not len(self.library_vectors):
            return np.zeros(len(papers), dtype=np.float32)
        sims = papers.vectors @ self.library_vectors.astype(np.float32).T
        sims += self.library_recency.astype(np.float32)
        near: Floats = sims.max(axis=1)
        return near

    def _categories(self, papers: PaperSet) -> Floats:
        index, matrix = papers.category_matrix()
        share = np.zeros(matrix.shape[1], dtype=np.float32)
        for name, value in zip(self.category_names, self.category_share, strict=True):
            if name in index:
                share[index[name]] = value
        out: Floats = matrix @ share
        return out

    def _nearest_negative(self, papers: PaperSet) -> Floats:
        sims = papers.vectors @ self.negative_vectors.astype(np.float32).T
        near: Floats = sims.max(axis=1)
        return near

    def calibrated(self, papers: PaperSet) -> Floats:
        """Each feature on the reader's common scale (see ``_calibrated``)."""
        return _calibrated(self, self.features(papers), papers)

    def score(self, papers: PaperSet) -> Floats:
        """Higher is better; comparable across calls (no dependence on the other papers)."""
        return _combine(self, self.features(papers), papers)

    # ---- explanations ---------------------------------------------------------------

    def explain(self, papers: PaperSet, rows: Iterable[int], words: int = 3) -> list[Reason]:
        """Why each of ``rows`` of ``papers`` scores as it does: the library paper it is
        nearest to, the terms that added most to its score, a category it shares."""
        rows = list(rows)
        subset = papers.take(rows)
        reasons = []
        z = self.calibrated(subset)
        term_sims = (subset.terms @ self.library_terms.T).toarray()
        meaning = (
            subset.vectors @ self.library_vectors.astype(np.float32).T
            if len(self.library_vectors)
            else np.zeros((len(subset), 0), dtype=np.float32)
        )
        weight_of = dict(
            zip(self.term_index.tolist(), self.term_weight.astype(float).tolist(), strict=True)
        )
        for n in range(len(subset)):
            nearest = None
            if meaning.shape[1] and subset.has_vector[n]:
                nearest = int(self.library_vector_ids[int(meaning[n].argmax())])
            elif term_sims.shape[1] and term_sims[n].max() > 0:
                nearest = int(self.library_ids[int(term_sims[n].argmax())])
            top_words: list[str] = []
            if subset.texts:
                row = subset.terms[n]
                gains = {
                    int(b): float(v) * weight_of.get(int(b), 0.0)
                    for b, v in zip(row.indices, row.data, strict=True)
                }
                if not weight_of:  # a collection model: the terms shared with the library
                    library_weight = np.asarray(self.library_terms.sum(axis=0)).ravel()
                    gains = {b: v * float(library_weight[b]) for b, v in gains.items()}
                names = words_of(subset.texts[n])
                for bucket, gain in sorted(gains.items(), key=lambda kv: -kv[1]):
                    if gain <= 0 or len(top_words) >= words:
                        break
                    word = names.get(bucket)
                    if word and not any(word in w or w in word for w in top_words):
                        top_words.append(word)
            category, share = None, 0.0
            if z[n, 3] > 0:
                shares = dict(zip(self.category_names, self.category_share.tolist(), strict=True))
                held = [(shares.get(c, 0.0), c) for c in subset.categories[n]]
                if held:
                    share, category = max(held)
                    if share <= 0:
                        category, share = None, 0.0
            reasons.append(Reason(nearest, top_words, category, share))
        return reasons

    # ---- storage --------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """A compact, pickle-free form: a JSON header, then the arrays' raw bytes."""
        arrays: dict[str, np.ndarray] = {
            "term_index": self.term_index.astype(np.int32),
            "term_weight": self.term_weight.astype(np.float16),
            "library_ids": self.library_ids.astype(np.int64),
            "lib_indptr": self.library_terms.indptr.astype(np.int32),
            "lib_indices": self.library_terms.indices.astype(np.int32),
            "lib_data": self.library_terms.data.astype(np.float16),
            "library_vectors": self.library_vectors.astype(np.float16),
            "library_vector_ids": self.library_vector_ids.astype(np.int64),
            "library_recency": self.library_recency.astype(np.float16),
            "negative_vectors": self.negative_vectors.astype(np.float16),
            "category_share": self.category_share.astype(np.float32),
            "mean": self.mean.astype(np.float32),
            "scale": self.scale.astype(np.float32),
        }
        header = {
            "format": FORMAT,
            "bias": self.bias,
            "negative": [self.negative_mean, self.negative_scale],
            "categories": self.category_names,
            "weights": self.weights,
            "arrays": {k: [str(a.dtype), list(a.shape)] for k, a in arrays.items()},
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        out = io.BytesIO()
        out.write(struct.pack("<I", len(head)))
        out.write(head)
        for a in arrays.values():
            out.write(np.ascontiguousarray(a).tobytes())
        return out.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes | memoryview) -> ReaderModel:
        data = bytes(blob)
        (size,) = struct.unpack_from("<I", data)
        header = json.loads(data[4 : 4 + size])
        if header.get("format") != FORMAT:
            raise ValueError(f"stored model has format {header.get('format')}, not {FORMAT}")
        at = 4 + size
        a: dict[str, np.ndarray] = {}
        for name, (dtype, shape) in header["arrays"].items():
            count = math.prod(shape)
            a[name] = np.frombuffer(data, dtype=dtype, count=count, offset=at).reshape(shape)
            at += count * np.dtype(dtype).itemsize
        library_terms = sp.csr_matrix(
            (a["lib_data"].astype(np.float32), a["lib_indices"], a["lib_indptr"]),
            shape=(len(a["lib_indptr"]) - 1, N_TERMS),
        )
        return cls(
            term_index=a["term_index"],
            term_weight=a["term_weight"],
            bias=float(header["bias"]),
            library_ids=a["library_ids"],
            library_terms=library_terms,
            library_vectors=a["library_vectors"],
            library_vector_ids=a["library_vector_ids"],
            library_recency=a["library_recency"],
            negative_vectors=a["negative_vectors"],
            category_names=list(header["categories"]),
            category_share=a["category_share"],
            mean=a["mean"],
            scale=a["scale"],
            negative_mean=float(header["negative"][0]),
            negative_scale=float(header["negative"][1]),
            weights={k: float(v) for k, v in header["weights"].items()},
        )


def _svm(
    positives: PaperSet, negatives: PaperSet, background: PaperSet
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float16], float]:
    """The recipe's linear SVM in the hashed tf-idf space; the heaviest weights kept."""
    known = set(positives.ids.tolist()) | set(negatives.ids.tolist())
    weak = np.array([i not in known for i in background.ids.tolist()], dtype=bool)
    x = sp.vstack([positives.terms, negatives.terms, background.terms[weak]]).tocsr()
    y = np.r_[np.ones(len(positives)), np.zeros(len(negatives) + int(weak.sum()))]
    sample_weight = np.r_[
        np.ones(len(positives)),
        np.full(len(negatives), EXPLICIT_NEGATIVE_WEIGHT),
        np.ones(int(weak.sum())),
    ]
    if y.min() == y.max():  # nothing to learn against (an empty catalogue)
        return np.zeros(0, np.int32), np.zeros(0, np.float16), 0.0
    svm = LinearSVC(C=SVM_C, class_weight="balanced", max_iter=5000)
    svm.fit(x, y, sample_weight=sample_weight)
    coef = svm.coef_.ravel()
    keep = np.argpartition(-np.abs(coef), min(KEEP_TERMS, len(coef) - 1))[:KEEP_TERMS]
    keep = keep[coef[keep] != 0]
    keep.sort()
    return keep.astype(np.int32), coef[keep].astype(np.float16), float(svm.intercept_[0])


def _heaviest(
    rows: sp.csr_matrix, keep: int, stored: type[np.floating] = np.float32
) -> sp.csr_matrix:
    """Each row reduced to its ``keep`` heaviest terms (they decide the cosine), its values
    rounded as they are ``stored`` so that a model scores the same before and after storage."""
    rows = rows.tocsr()
    indptr, indices, data = [0], [], []
    for n in range(rows.shape[0]):
        start, stop = rows.indptr[n], rows.indptr[n + 1]
        idx, val = rows.indices[start:stop], rows.data[start:stop]
        if len(val) > keep:
            top = np.argpartition(-val, keep)[:keep]
            idx, val = idx[top], val[top]
        order = np.argsort(idx)
        indices.append(idx[order])
        data.append(val[order])
        indptr.append(indptr[-1] + len(idx))
    return sp.csr_matrix(
        (
            np.concatenate(data).astype(stored).astype(np.float32)
            if data
            else np.zeros(0, np.float32),
            np.concatenate(indices).astype(np.int32) if indices else np.zeros(0, np.int32),
            np.array(indptr, dtype=np.int32),
        ),
        shape=(rows.shape[0], N_TERMS),
    )


def _top_mean(sims: sp.spmatrix, k: int) -> Floats:
    """The mean of each row's ``k`` largest values (fewer columns: all of them)."""
    dense = np.asarray(sims.todense() if sp.issparse(sims) else sims, dtype=np.float32)
    if dense.shape[1] == 0:
        return np.zeros(dense.shape[0], dtype=np.float32)
    k = min(k, dense.shape[1])
    top = np.partition(dense, dense.shape[1] - k, axis=1)[:, -k:]
    out: Floats = top.mean(axis=1)
    return out


# score_many puts the candidates' most frequent terms in a dense matrix, so that the readers'
# weights for them go through one BLAS product, and only the rarer terms through a sparse one:
# on a day of 1,500 papers the terms in 16 or more of them carry 88% of the sparse product's
# multiplications while being 2,000 columns (measured on the bench's readers).
DENSE_MIN_PAPERS = 16
DENSE_MAX_BYTES = 16 * 2**20  # a month of 30,000 papers keeps its ~130 most frequent terms


@dataclass
class Shared:
    """What scoring many readers against one PaperSet needs that depends on no reader, made
    once per set (``PaperSet.shared``): the composer scores 100,000 readers against it."""

    dense_column: npt.NDArray[np.int32]  # bucket -> its column of ``dense``, or -1
    dense: Floats  # papers × frequent terms
    rare_row: npt.NDArray[np.int32]  # bucket -> its row of ``rare``, or -1
    rare: sp.csr_matrix  # rarer terms × papers
    vectors: Floats  # C-contiguous float32, for the library products
    hub: Floats
    missing: npt.NDArray[np.bool_]  # papers without a vector yet

    @classmethod
    def of(cls, papers: PaperSet) -> Shared:
        n = len(papers)
        terms = papers.terms.tocsr()
        df = np.bincount(terms.indices, minlength=N_TERMS)
        frequent = np.flatnonzero(df >= DENSE_MIN_PAPERS)
        most = max(0, DENSE_MAX_BYTES // (4 * max(n, 1)))
        if len(frequent) > most:  # the most frequent of them, in bucket order
            frequent = np.sort(frequent[np.argsort(-df[frequent], kind="stable")[:most]])
        dense_column = np.full(N_TERMS, -1, dtype=np.int32)
        dense_column[frequent] = np.arange(len(frequent), dtype=np.int32)
        rarer = np.flatnonzero(df > 0)
        rarer = rarer[dense_column[rarer] < 0]
        rare_row = np.full(N_TERMS, -1, dtype=np.int32)
        rare_row[rarer] = np.arange(len(rarer), dtype=np.int32)
        coo = terms.tocoo()
        column = dense_column[coo.col]
        dense = np.zeros((n, len(frequent)), dtype=np.float32)
        in_dense = column >= 0
        dense[coo.row[in_dense], column[in_dense]] = coo.data[in_dense]
        rare = sp.csr_matrix(
            (coo.data[~in_dense], (rare_row[coo.col[~in_dense]], coo.row[~in_dense])),
            shape=(len(rarer), n),
            dtype=np.float32,
        )
        return cls(
            dense_column=dense_column,
            dense=dense,
            rare_row=rare_row,
            rare=rare,
            vectors=np.ascontiguousarray(papers.vectors, dtype=np.float32),
            hub=(papers.hub if len(papers.hub) else np.zeros(n)).astype(np.float32),
            missing=~papers.has_vector,
        )


def score_many(models: Sequence[ReaderModel], papers: PaperSet, block: int = 256) -> list[Floats]:
    """``model.score(papers)`` for many readers at once (rows of ``score_matrix``)."""
    return list(score_matrix(models, papers, block))


def score_matrix(models: Sequence[ReaderModel], papers: PaperSet, block: int = 256) -> Floats:
    """``model.score(papers)`` of each of ``models``, a row each, computed many readers at a
    time: per block of readers, the SVM weights of all in one dense product (the candidates'
    frequent terms) and one sparse product (the rest), their library vectors in one matrix
    product whose column segments are reduced in one pass, and each feature's calibration and
    weight folded into one coefficient and one offset per reader."""
    n = len(papers)
    out = np.zeros((len(models), n), dtype=np.float32)
    if n == 0 or not models:
        return out
    shared = papers.shared()
    index, matrix = papers.category_matrix()
    missing = shared.missing
    for start in range(0, len(models), block):
        group = models[start : start + block]
        width = len(group)
        wanted = np.array(
            [[m.weights.get(name, 0.0) for name in FEATURES] for m in group], dtype=np.float32
        )
        mean = np.stack([m.mean for m in group]).astype(np.float32)
        scale = np.stack([m.scale for m in group]).astype(np.float32)
        counts = np.array([len(m.library_vectors) for m in group])
        wanted[counts == 0, 2] = 0.0  # no library vectors: the meaning feature is left out
        coef = wanted / scale  # score = sum_f raw_f * coef_f - offset
        scores = np.zeros((n, width), dtype=np.float32)
        scores -= (wanted * mean / scale).sum(axis=1)
        # terms: the readers' weights (a column each) times the papers' terms
        lengths = np.array([len(m.term_index) for m in group])
        terms = np.concatenate([m.term_index for m in group])
        weight = np.concatenate([m.term_weight for m in group]).astype(np.float32)
        owner = np.repeat(np.arange(width), lengths)
        column = shared.dense_column[terms]
        dense = column >= 0
        by_reader = np.zeros((shared.dense.shape[1], width), dtype=np.float32)
        # one flat index: twice as fast as a pair of index arrays
        by_reader.ravel()[column[dense].astype(np.int64) * width + owner[dense]] = weight[dense]
        svm = shared.dense @ by_reader
        row = shared.rare_row[terms]
        rare = row >= 0
        # each reader's terms are a segment of ``terms``: its rare ones become one CSR row
        ends = np.concatenate([[0], np.cumsum(rare)])[np.cumsum(lengths)]
        indptr = np.concatenate([[0], ends]).astype(np.int32)
        rare_weights = sp.csr_matrix(
            (weight[rare], row[rare], indptr), shape=(width, shared.rare.shape[0])
        )
        svm += (rare_weights @ shared.rare).toarray().T
        bias = np.array([m.bias if len(m.term_index) else 0.0 for m in group], np.float32)
        scores += (svm + bias) * coef[:, 0]
        # near_terms, only for the models that weigh it (collections)
        for r, m in enumerate(group):
            if m.weights.get("near_terms"):
                near = _top_mean(papers.terms @ m.library_terms.T, NEAREST)
                scores[:, r] += near * coef[r, 1]
        # near_meaning: one product, then each reader's columns reduced to their maximum; a
        # paper without a vector gets the reader's average (its calibrated value is 0)
        has = np.flatnonzero(counts)
        if len(has):
            stacked = np.concatenate([group[int(r)].library_vectors for r in has])
            recency = np.concatenate([group[int(r)].library_recency for r in has])
            sims = shared.vectors @ stacked.astype(np.float32).T
            sims += recency.astype(np.float32)
            starts = np.concatenate([[0], np.cumsum(counts[has])[:-1]])
            meaning = np.maximum.reduceat(sims, starts, axis=1)
            meaning[missing] = mean[has, 2]
            scores[:, has] += meaning * coef[has, 2]
        # categories: papers × categories @ categories × readers
        shares = np.zeros((matrix.shape[1], width), dtype=np.float32)
        for r, m in enumerate(group):
            for name, value in zip(m.category_names, m.category_share, strict=True):
                if name in index:
                    shares[index[name], r] = value
        scores += (matrix @ shares) * coef[:, 3]
        hub_block = np.broadcast_to(shared.hub[:, None], (n, width)).copy()
        hub_block[missing] = mean[:, 4]
        scores += hub_block * coef[:, 4]
        rows = out[start : start + width]
        rows[:] = scores.T
        for r, m in enumerate(group):
            if len(m.negative_vectors):
                near = (m._nearest_negative(papers) - m.negative_mean) / m.negative_scale
                near[missing] = 0.0
                rows[r] -= NEGATIVE_WEIGHT * np.maximum(near, 0.0)
    return out


def _calibrated(model: ReaderModel, raw: Floats, papers: PaperSet) -> Floats:
    """Each feature on the reader's common scale; a paper without a vector yet gets the
    average for the meaning features, so it is ranked by its words alone."""
    z: Floats = ((raw - model.mean) / model.scale).astype(np.float32)
    z[~papers.has_vector, 2] = 0.0
    z[~papers.has_vector, 4] = 0.0
    if not len(model.library_vectors):
        z[:, 2] = 0.0
    return z


def _combine(model: ReaderModel, raw: Floats, papers: PaperSet) -> Floats:
    weights = np.array([model.weights.get(name, 0.0) for name in FEATURES], dtype=np.float32)
    scores: Floats = _calibrated(model, raw, papers) @ weights
    if len(model.negative_vectors):
        near = (model._nearest_negative(papers) - model.negative_mean) / model.negative_scale
        near[~papers.has_vector] = 0.0
        scores -= NEGATIVE_WEIGHT * np.maximum(near, 0.0)
    return scores
