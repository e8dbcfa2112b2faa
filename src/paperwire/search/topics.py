"""Topics — saved queries — and the papers that match one: the rule a digest's topic section
and a query's feed share.

A paper matches a topic when the topic's filters admit it (``filters.Filters``) and either
every word of the topic (stemmed) and every phrase is in its title and abstract, or the
cosine between the topic and the paper's embedding is at least ``SEMANTIC_THRESHOLD``. A
topic of filters only (``cat:cs.CL``) matches every paper its filters admit.

Matching works on a ``Pool``: a set of papers (a digest period's, a feed's latest weeks)
loaded once with their words and vectors, so that many topics are matched against it for the
cost of one load. Searching the whole catalogue per topic would rank old papers above this
week's; a topic is about what is new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from paperwire.catalogue.keys import has_code
from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import latest_day
from paperwire.search.embeddings import EmbedderUnavailable, current_model_id, get_embedder
from paperwire.search.models import vectors_for
from paperwire.search.query import ParsedQuery, parse_query
from paperwire.search.terms import WORD, stem

# Cosine similarity of all-MiniLM-L6-v2 between a topic and a paper's title + abstract above
# which the paper is "about" the topic even when it shares none of its words (measured on
# SciFact train: see docs/digests.md).
SEMANTIC_THRESHOLD = 0.45
# Every word present counts like a strong semantic match in a topic's ranking.
LEXICAL_BONUS = 0.5
# The fields a pool reads of each paper.
POOL_FIELDS = ("id", "title", "abstract", "match_keys", "links", "announced_on")
# A feed looks at the newest week first, then further back while it has fewer than it shows.
FEED_WINDOWS_DAYS = (7, 35)

Encode = Callable[[list[str]], npt.NDArray[np.float32]]


@dataclass(frozen=True, slots=True)
class Candidate:
    pk: int
    rank: int  # its place in the order the pool was given (a caller's ranking)
    day: dt.date | None  # the announcement day date filters test
    keys: frozenset[str]
    has_code: bool
    text_lower: str
    stems: frozenset[str]


@dataclass
class Pool:
    """Papers ready to be matched against many topics."""

    candidates: dict[int, Candidate]
    vector_ids: list[int]
    vectors: npt.NDArray[np.float32]  # one unit-length row per vector_ids entry
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, papers: Iterable[Paper]) -> Pool:
        """``papers`` (with at least ``POOL_FIELDS``) in the order ties are broken by and a
        topic of filters only lists them."""
        candidates: dict[int, Candidate] = {}
        for rank, paper in enumerate(papers):
            text = f"{paper.title}\n{paper.abstract}"
            candidates[paper.pk] = Candidate(
                pk=paper.pk,
                rank=rank,
                day=paper.announced_on,
                keys=frozenset(paper.match_keys),
                has_code=has_code(paper.links),
                text_lower=" ".join(text.lower().split()),
                stems=frozenset(stem(w) for w in WORD.findall(text)),
            )
        notes: list[str] = []
        ids: list[int] = []
        matrix = np.zeros((0, 1), dtype=np.float32)
        try:
            model: str | None = current_model_id()
        except EmbedderUnavailable as exc:
            model = None
            notes.append(f"topics are matched by words only: {exc}")
        if model is not None and candidates:
            ids, matrix = vectors_for(candidates, model)
            missing = len(candidates) - len(ids)
            if missing:
                notes.append(f"{missing:,} of the papers have no embedding yet")
        if len(matrix):
            matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-9)
        return cls(candidates, ids, matrix, notes)

    def match(
        self, topics: Sequence[str], encode: Encode | None, limit: int | None = None
    ) -> dict[str, list[int]]:
        """Each topic's matches among the pool's papers, best first (at most ``limit``)."""
        parsed = {t: parse_query(t) for t in topics}
        need_vectors = [t for t, q in parsed.items() if not q.is_empty and q.text.strip()]
        query_vectors: dict[str, npt.NDArray[np.float32]] = {}
        if encode is not None and need_vectors and len(self.vectors):
            encoded = encode([parsed[t].text for t in need_vectors])
            encoded = encoded / np.linalg.norm(encoded, axis=1, keepdims=True).clip(min=1e-9)
            query_vectors = dict(zip(need_vectors, encoded, strict=True))
        return {t: self._match_one(parsed[t], query_vectors.get(t), limit) for t in topics}

    def _match_one(
        self, query: ParsedQuery, vector: npt.NDArray[np.float32] | None, limit: int | None
    ) -> list[int]:
        f = query.filters
        allowed = [c for c in self.candidates.values() if f.admits(c.keys, c.day, c.has_code)]
        if query.is_empty:  # filters only: in the pool's own order
            return [c.pk for c in sorted(allowed, key=lambda c: c.rank)][:limit]
        similarity: dict[int, float] = {}
        if vector is not None and allowed:
            scores = self.vectors @ vector
            similarity = dict(zip(self.vector_ids, scores.tolist(), strict=True))
        words = {stem(w) for w in query.words}
        phrases = [" ".join(p.lower().split()) for p in query.phrases]
        scored: list[tuple[float, int, int]] = []
        for c in allowed:
            lexical = bool(words) and words <= c.stems
            if phrases:
                lexical = all(p in c.text_lower for p in phrases) and (not words or lexical)
            cosine = similarity.get(c.pk, 0.0)
            if lexical or cosine >= SEMANTIC_THRESHOLD:
                scored.append((cosine + (LEXICAL_BONUS if lexical else 0.0), -c.rank, c.pk))
        scored.sort(reverse=True)
        return [pk for _, _, pk in scored[:limit]]


def query_encoder(notes: list[str]) -> Encode | None:
    """The embedding model's query encoder, batched; None (and a note) when it is missing."""
    try:
        embedder = get_embedder()
    except EmbedderUnavailable as exc:
        notes.append(f"topics are matched by words only: {exc}")
        return None

    def encode(texts: list[str]) -> npt.NDArray[np.float32]:
        out = [embedder.encode_queries(texts[i : i + 256]) for i in range(0, len(texts), 256)]
        return np.vstack(out) if out else np.zeros((0, embedder.dim), dtype=np.float32)

    return encode


def newest_matching(raw: str, limit: int = 50) -> list[Paper]:
    """The newest papers matching a topic, by the digests' rule: a query's feed.

    The newest week first; while fewer than ``limit`` match, the newest five weeks. Newest
    day first, the better match first within a day."""
    latest = latest_day()
    if latest is None or not raw.strip():
        return []
    notes: list[str] = []
    encode = query_encoder(notes)
    matched: list[int] = []
    pool = Pool({}, [], np.zeros((0, 1), dtype=np.float32))
    for days in FEED_WINDOWS_DAYS:
        first = latest - dt.timedelta(days=days - 1)
        papers = Paper.objects.visible().in_days(first, latest).newest().only(*POOL_FIELDS)
        pool = Pool.load(papers.iterator(chunk_size=2000))
        matched = pool.match([raw], encode)[raw]
        if len(matched) >= limit:
            break
    place = {pk: n for n, pk in enumerate(matched)}
    ordered = sorted(
        matched,
        key=lambda pk: (pool.candidates[pk].day or dt.date.min, -place[pk]),
        reverse=True,
    )[:limit]
    found = Paper.objects.in_bulk(ordered)
    return [found[pk] for pk in ordered if pk in found]
