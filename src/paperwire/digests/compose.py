"""Composing a period's digests: which papers each subscriber gets, and why.

For a period the composer loads the period's new papers once (a day of arXiv is 1,000–1,500,
a week five times that) with their stored embeddings. Each distinct topic among all
subscribers is then matched once against that set with the search engine's own parts — its
query parser and filters, its embedding model — and a relevance threshold; each subscriber's
digest is then a merge of lists already computed, minus every paper they were sent before.
The matching rule is the search package's (``search.Pool``), the same one a query's feed
follows, so a topic's feed and its digest section agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from paperwire.catalogue.periods import Period
from paperwire.community import trending
from paperwire.digests.models import Digest, Received, Subscriber, Topic
from paperwire.search import POOL_FIELDS, Candidate, Encode, Pool, query_encoder

TRENDING_ITEMS = 10
TOPIC_ITEMS = 5
MAX_ITEMS = 30
INSERT_BATCH = 2000

__all__ = ["PeriodPapers", "compose_period", "items_for", "query_encoder"]


@dataclass
class PeriodPapers:
    """The period's visible papers, most points first, ready to be matched against many
    topics (``search.Pool``: the same rule as a query's feed)."""

    period: Period
    pool: Pool
    trending: list[int]
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, period: Period) -> PeriodPapers:
        papers = list(trending.day_list(period).only(*POOL_FIELDS, "upvotes", "vote_weight"))
        top = [p.pk for p in papers if p.upvotes + p.vote_weight > 0][:TRENDING_ITEMS]
        pool = Pool.load(papers)
        return cls(period, pool, top, list(pool.notes))

    @property
    def candidates(self) -> dict[int, Candidate]:
        return self.pool.candidates

    def match(self, topics: Iterable[str], encode: Encode | None) -> dict[str, list[int]]:
        """Each topic's best matches among the period's papers, best first."""
        return self.pool.match(list(topics), encode, TOPIC_ITEMS)


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
    period: Period,
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
