"""Composing a period's digests: which papers each subscriber gets, and why.

For a period the composer loads the period's new papers once (a day of arXiv is 1,000–1,500,
a week five times that) with their stored embeddings. Each distinct topic among all
subscribers is then matched once against that set with the search engine's own parts — its
query parser and filters, its embedding model — and a relevance threshold; each subscriber's
digest is then a merge of lists already computed, minus every paper they were sent before.
Searching the whole catalogue per topic would be slower and worse: the engine filters dates
after ranking, so in a catalogue of millions the top semantic candidates are rarely from
this week.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from paperwire.catalogue.models import Paper
from paperwire.community import trending
from paperwire.digests.models import Digest, Received, Subscriber, Topic
from paperwire.digests.periods import DigestPeriod
from paperwire.search.embeddings import EmbedderUnavailable, current_model_id, get_embedder
from paperwire.search.models import Embedding
from paperwire.search.query import ParsedQuery, parse_query
from paperwire.search.terms import WORD, stem

TRENDING_ITEMS = 10
TOPIC_ITEMS = 5
MAX_ITEMS = 30
# Cosine similarity of all-MiniLM-L6-v2 between a topic and a paper's title + abstract above
# which the paper is "about" the topic even when it shares none of its words (measured on
# SciFact train: see docs/digests.md).
SEMANTIC_THRESHOLD = 0.45
INSERT_BATCH = 2000


@dataclass
class Candidate:
    pk: int
    points: float
    day: dt.date | None
    categories: list[str]
    authors_lower: str
    has_code: bool
    text_lower: str
    stems: frozenset[str]


@dataclass
class PeriodPapers:
    """The period's visible papers, ready to be matched against many topics."""

    period: DigestPeriod
    candidates: dict[int, Candidate]
    trending: list[int]
    vector_ids: list[int]
    vectors: np.ndarray  # one row per vector_ids entry, unit length
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, period: DigestPeriod) -> PeriodPapers:
        papers = trending.ranked_for_period(
            Paper.objects.visible().in_days(period.first, period.last)
        ).only(
            "id", "title", "abstract", "authors", "categories", "links", "upvotes", "votes",
            "vote_weight", "daily_date", "announced_on",
        )  # fmt: skip
        candidates: dict[int, Candidate] = {}
        order: list[int] = []
        for paper in papers.iterator(chunk_size=2000):
            text = f"{paper.title}\n{paper.abstract}"
            candidates[paper.pk] = Candidate(
                pk=paper.pk,
                points=paper.upvotes + paper.vote_weight,
                day=paper.day,
                categories=list(paper.categories),
                authors_lower=" | ".join(paper.authors).lower(),
                has_code=paper.code_url is not None,
                text_lower=" ".join(text.lower().split()),
                stems=frozenset(stem(w) for w in WORD.findall(text)),
            )
            order.append(paper.pk)
        top = [pk for pk in order if candidates[pk].points > 0][:TRENDING_ITEMS]
        notes: list[str] = []
        ids: list[int] = []
        rows: list[np.ndarray] = []
        try:
            model = current_model_id()
        except EmbedderUnavailable as exc:
            model = None
            notes.append(f"topics are matched by words only: {exc}")
        if model is not None and candidates:
            stored = Embedding.objects.filter(paper_id__in=list(candidates), model=model)
            for paper_id, blob in stored.values_list("paper_id", "vector").iterator(
                chunk_size=2000
            ):
                ids.append(paper_id)
                rows.append(np.frombuffer(bytes(blob), dtype=np.float32))
            missing = len(candidates) - len(ids)
            if missing:
                notes.append(f"{missing:,} of the period's papers have no embedding yet")
        matrix = np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
        if len(matrix):
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-9)
        return cls(period, candidates, top, ids, matrix, notes)

    def match(
        self, topics: Sequence[str], encode: Callable[[list[str]], np.ndarray] | None
    ) -> dict[str, list[int]]:
        """Each topic's best matches among the period's papers, best first."""
        parsed = {t: parse_query(t) for t in topics}
        need_vectors = [t for t, q in parsed.items() if not q.is_empty and q.text.strip()]
        query_vectors: dict[str, np.ndarray] = {}
        if encode is not None and need_vectors and len(self.vectors):
            encoded = encode([parsed[t].text for t in need_vectors])
            encoded = encoded / np.linalg.norm(encoded, axis=1, keepdims=True).clip(min=1e-9)
            query_vectors = dict(zip(need_vectors, encoded, strict=True))
        return {t: self._match_one(parsed[t], query_vectors.get(t)) for t in topics}

    def _match_one(self, query: ParsedQuery, vector: np.ndarray | None) -> list[int]:
        allowed = [c for c in self.candidates.values() if _passes(c, query)]
        if not allowed:
            return []
        if query.is_empty:  # only filters (cat:, author:): the period's best by points
            allowed.sort(key=lambda c: -c.points)
            return [c.pk for c in allowed[:TOPIC_ITEMS]]
        similarity: dict[int, float] = {}
        if vector is not None:
            scores = self.vectors @ vector
            similarity = dict(zip(self.vector_ids, scores.tolist(), strict=True))
        words = {stem(w) for w in query.words}
        phrases = [" ".join(p.lower().split()) for p in query.phrases]
        scored: list[tuple[float, float, int]] = []
        for c in allowed:
            lexical = bool(words) and words <= c.stems
            if phrases:
                lexical = all(p in c.text_lower for p in phrases) and (not words or lexical)
            cosine = similarity.get(c.pk, 0.0)
            if lexical or cosine >= SEMANTIC_THRESHOLD:
                # Every word present counts like a strong semantic match.
                scored.append((cosine + (0.5 if lexical else 0.0), c.points, c.pk))
        scored.sort(reverse=True)
        return [pk for _, _, pk in scored[:TOPIC_ITEMS]]


def _passes(c: Candidate, query: ParsedQuery) -> bool:
    f = query.filters
    if f.categories and not any(
        cat == want or cat.startswith(want + ".") for want in f.categories for cat in c.categories
    ):
        return False
    if f.authors and not all(a.lower() in c.authors_lower for a in f.authors):
        return False
    if f.has_code and not c.has_code:
        return False
    if f.since and (c.day is None or c.day < f.since):
        return False
    return not (f.until and (c.day is None or c.day > f.until))


@dataclass
class ComposeSummary:
    subscribers: int = 0
    composed: int = 0
    empty: int = 0
    already: int = 0
    topics: int = 0
    papers: int = 0
    notes: list[str] = field(default_factory=list)


def items_for(
    include_trending: bool,
    topics: Iterable[str],
    period: PeriodPapers,
    matches: dict[str, list[int]],
    received: set[int],
) -> list[dict[str, object]]:
    why: dict[int, list[str]] = {}
    if include_trending:
        for pk in period.trending:
            why.setdefault(pk, []).append("trending")
    for topic in topics:
        for pk in matches.get(topic, ()):
            why.setdefault(pk, []).append(f"topic: {topic}")
    return [
        {"paper": pk, "why": reasons} for pk, reasons in list(why.items()) if pk not in received
    ][:MAX_ITEMS]


def compose_period(
    period: DigestPeriod,
    *,
    only: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ComposeSummary:
    """Create the period's pending digests for every mailable subscriber of its frequency.

    Safe to run again: a subscriber who already has this period's digest keeps it.
    """
    summary = ComposeSummary()
    papers = PeriodPapers.load(period)
    summary.papers = len(papers.candidates)
    summary.notes.extend(papers.notes)
    pool = Subscriber.objects.mailable().filter(frequency=period.frequency)
    if only is not None:
        pool = pool.filter(pk__in=list(only))
    people = list(
        pool.exclude(digests__frequency=period.frequency, digests__period_start=period.first)
        .order_by("pk")
        .values_list("pk", "include_trending")
    )
    summary.subscribers = len(people)
    topics_of: dict[int, list[str]] = defaultdict(list)
    ids = [pk for pk, _ in people]
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        for subscriber_id, query in Topic.objects.filter(subscriber_id__in=chunk).values_list(
            "subscriber_id", "query"
        ):
            topics_of[subscriber_id].append(query)
    distinct = sorted({q for qs in topics_of.values() for q in qs})
    summary.topics = len(distinct)
    encode = query_encoder(summary.notes) if papers.candidates else None
    matches = papers.match(distinct, encode) if papers.candidates else {}
    received: dict[int, set[int]] = defaultdict(set)
    if papers.candidates:
        for subscriber_id, paper_id in (
            Received.objects.filter(paper_id__in=list(papers.candidates))
            .values_list("subscriber_id", "paper_id")
            .iterator(chunk_size=10_000)
        ):
            received[subscriber_id].add(paper_id)
    batch: list[Digest] = []
    for subscriber_id, include_trending in people:
        items = items_for(
            include_trending, topics_of.get(subscriber_id, ()), papers, matches,
            received.get(subscriber_id, set()),
        )  # fmt: skip
        if not items:
            summary.empty += 1
        else:
            batch.append(
                Digest(
                    subscriber_id=subscriber_id,
                    frequency=period.frequency,
                    period_start=period.first,
                    period_end=period.last,
                    items=items,
                )
            )
        if len(batch) >= INSERT_BATCH:
            summary.composed += _insert(batch)
            batch = []
        if progress is not None:
            progress(1)
    summary.composed += _insert(batch)
    summary.already = summary.subscribers - summary.empty - summary.composed
    return summary


def _insert(batch: list[Digest]) -> int:
    if not batch:
        return 0
    with transaction.atomic():
        # Two composers racing (a scheduled run and a manual one) cannot make two digests.
        Digest.objects.bulk_create(batch, ignore_conflicts=True, batch_size=500)
    return len(batch)


def query_encoder(notes: list[str]) -> Callable[[list[str]], np.ndarray] | None:
    try:
        embedder = get_embedder()
    except EmbedderUnavailable as exc:
        notes.append(f"topics are matched by words only: {exc}")
        return None

    def encode(texts: list[str]) -> np.ndarray:
        out = [embedder.encode_queries(texts[i : i + 256]) for i in range(0, len(texts), 256)]
        return np.vstack(out) if out else np.zeros((0, embedder.dim), dtype=np.float32)

    return encode
