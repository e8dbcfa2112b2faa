"""Composing a period's digests: which papers each subscriber gets, in which section, and why.

For a period the composer loads the period's new papers once (a day of arXiv is 1,000–1,500,
a week five times that) with their stored embeddings. Each distinct topic among all
subscribers is then matched once against that set with the search engine's own parts — its
query parser and filters, its embedding model — and a relevance threshold; the personal
ranking ranks the same papers for every subscriber with an account and signals, a chunk of
readers per call. Each section of ``sections.SECTIONS`` prepares what it needs once per run;
each subscriber's digest is then a merge of lists already computed (``assemble``), minus
every paper they were sent before.
The matching rule is the search package's (``search.Pool``), the same one a query's feed
follows, so a topic's feed and its digest section agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from paperwire.catalogue.periods import Period
from paperwire.community import trending
from paperwire.digests.models import Digest, Received, Subscriber
from paperwire.digests.sections import (
    SECTIONS,
    TOPIC_ITEMS,
    TRENDING_ITEMS,
    Person,
    Picker,
    Run,
    Section,
    people,
)
from paperwire.search import POOL_FIELDS, Candidate, Encode, Pool, query_encoder

INSERT_BATCH = 2000

__all__ = ["PeriodPapers", "assemble", "compose_one", "compose_period", "query_encoder"]


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


def assemble(
    pickers: Sequence[tuple[Section, Picker]], person: Person, received: set[int]
) -> list[dict[str, object]]:
    """One subscriber's digest items, section by section in order: the one place where "never
    the same paper twice" holds — not a paper they were sent before, not a paper twice in
    this digest. A paper a later section also chose stays where it first appears, with that
    section's reasons added to its own."""
    items: list[dict[str, object]] = []
    placed: dict[int, list[str]] = {}
    for section, pick in pickers:
        shown = 0
        for choice in pick(person):
            if choice.paper in received:
                continue
            reasons = placed.get(choice.paper)
            if reasons is not None:
                reasons.extend(w for w in choice.why if w not in reasons)
                continue
            if shown >= section.limit:
                continue  # still read on: a paper placed above may gain this reason
            why = list(choice.why)
            placed[choice.paper] = why
            items.append({"paper": choice.paper, "section": section.key, "why": why})
            shown += 1
    return items


def _run(papers: PeriodPapers, persons: list[Person], notes: list[str]) -> Run:
    """The sections' shared input: every followed topic matched once."""
    distinct = sorted({q for person in persons for q in person.topics})
    encode = query_encoder(notes) if papers.candidates and distinct else None
    matches = papers.match(distinct, encode) if papers.candidates else {}
    return Run(
        papers.trending, list(papers.candidates), matches, persons, notes, period=papers.period
    )


def _received(papers: PeriodPapers, only: Sequence[int] | None = None) -> dict[int, set[int]]:
    """subscriber -> the period's papers already sent to them (a paper can be in two periods:
    submitted to one day's list, announced on another)."""
    received: dict[int, set[int]] = {}
    if not papers.candidates:
        return received
    rows = Received.objects.filter(paper_id__in=list(papers.candidates))
    if only is not None:
        rows = rows.filter(subscriber_id__in=list(only))
    for subscriber_id, paper_id in rows.values_list("subscriber_id", "paper_id").iterator(
        chunk_size=10_000
    ):
        received.setdefault(subscriber_id, set()).add(paper_id)
    return received


def compose_period(
    period: Period,
    *,
    only: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
    sections: Sequence[Section] = SECTIONS,
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
    ids = list(
        pool.exclude(digests__frequency=period.frequency, digests__period_start=period.first)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    summary.subscribers = len(ids)
    persons = people(ids)
    run = _run(papers, persons, summary.notes)
    summary.topics = len({q for person in persons for q in person.topics})
    pickers = [(s, s.prepare(run)) for s in sections]
    received = _received(papers)
    batch: list[Digest] = []
    for person in persons:
        items = assemble(pickers, person, received.get(person.subscriber, set()))
        if not items:
            summary.empty += 1
        else:
            batch.append(
                Digest(
                    subscriber_id=person.subscriber,
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


def compose_one(subscriber: Subscriber, period: Period) -> list[dict[str, object]]:
    """One subscriber's items for the period, as a run would compose them (previews)."""
    papers = PeriodPapers.load(period)
    persons = people([subscriber.pk])
    run = _run(papers, persons, [])
    pickers = [(s, s.prepare(run)) for s in SECTIONS]
    received = _received(papers, [subscriber.pk]).get(subscriber.pk, set())
    return assemble(pickers, persons[0], received) if persons else []


def _insert(batch: list[Digest]) -> int:
    if not batch:
        return 0
    with transaction.atomic():
        # Two composers racing (a scheduled run and a manual one) cannot make two digests.
        Digest.objects.bulk_create(batch, ignore_conflicts=True, batch_size=500)
    return len(batch)
