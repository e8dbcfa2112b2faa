"""Composing: a digest's sections (Your topics, Trending; For you in test_for_you.py), each
topic's new matches, never a paper twice."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.catalogue.periods import containing
from paperwire.digests.compose import compose_period
from paperwire.digests.models import Digest, Received
from paperwire.search.embedding_jobs import embed_pending
from paperwire.search.embeddings import get_embedder
from tests.factories import DAY, paper, subscriber

pytestmark = pytest.mark.django_db
DAILY = containing("daily", DAY)


def sectioned(email: str, period=DAILY) -> list[tuple[str, str, list[str]]]:
    """(section, arXiv id, reasons) of each item of the subscriber's digest, in mail order."""
    from paperwire.catalogue.models import Paper

    digest = Digest.objects.get(subscriber__email=email, period_start=period.first)
    ids = {p.pk: p.arxiv_id for p in Paper.objects.all()}
    return [
        (str(i["section"]), ids[int(str(i["paper"]))], [str(w) for w in i["why"]])  # type: ignore[attr-defined]
        for i in digest.items
    ]


def items(email: str, period=DAILY) -> list[tuple[str, list[str]]]:
    return [(arxiv_id, why) for _, arxiv_id, why in sectioned(email, period)]


def test_topic_matches_come_first_then_trending_each_paper_once_with_all_its_reasons():
    paper("2503.00001", "Graph neural networks for molecules", upvotes=30)
    paper("2503.00002", "Sparse transformers", upvotes=10)
    paper("2503.00003", "Graph neural networks, yesterday", day=DAY - dt.timedelta(days=1))
    subscriber("a@example.org", "graph neural networks")
    compose_period(DAILY)
    assert sectioned("a@example.org") == [
        ("topics", "2503.00001", ["topic: graph neural networks", "trending"]),
        ("trending", "2503.00002", ["trending"]),
    ]


def test_a_subscriber_without_an_account_gets_your_topics_and_trending_only():
    paper("2503.00001", "Graph neural networks for molecules", upvotes=1)
    paper("2503.00002", "Sparse transformers", upvotes=10)
    subscriber("a@example.org", "graph neural networks")
    compose_period(DAILY)
    assert [s for s, _, _ in sectioned("a@example.org")] == ["topics", "trending"]


def test_each_section_keeps_its_own_limit_not_one_cap_for_the_whole_digest():
    from paperwire.digests import sections

    for n in range(1, 31):
        paper(f"2503.{n:05d}", f"Graph networks, part {n}", upvotes=n)
    topics = [f"graph networks part {n}" for n in range(1, 10)]  # each matches one or more
    subscriber("a@example.org", *topics)
    compose_period(DAILY)
    got = sectioned("a@example.org")
    by_section = {s: [a for k, a, _ in got if k == s] for s in ("topics", "trending")}
    assert 0 < len(by_section["topics"]) <= sections.TOPICS_ITEMS
    assert len(by_section["trending"]) == sections.TRENDING_ITEMS  # still full below topics
    assert len({a for _, a, _ in got}) == len(got)  # never the same paper twice


def test_filters_as_topics():
    paper("2503.00001", "Vision", categories=["cs.CV"], authors=["Fei-Fei Li"])
    paper("2503.00002", "Language", categories=["cs.CL"], authors=["Yoshua Bengio"])
    subscriber("cv@example.org", "cat:cs.CV", trending=False)
    subscriber("yb@example.org", 'author:"yoshua bengio"', trending=False)
    compose_period(DAILY)
    assert items("cv@example.org") == [("2503.00001", ["topic: cat:cs.CV"])]
    assert items("yb@example.org") == [("2503.00002", ['topic: author:"yoshua bengio"'])]


def test_a_topic_matches_by_meaning_above_the_threshold():
    cnn = "We train very deep convolutional networks to classify photographs."
    paper("2503.00001", "Deep residual learning for image recognition", abstract=cnn)
    tax = "Tax records of English towns between 1200 and 1400."
    paper("2503.00002", "A history of medieval tax law", abstract=tax)
    embed_pending(get_embedder())
    subscriber("cnn@example.org", "picture classification with neural nets", trending=False)
    compose_period(DAILY)
    assert [i for i, _ in items("cnn@example.org")] == ["2503.00001"]


def test_a_paper_already_received_is_never_sent_again():
    # Announced on Tuesday, submitted to Wednesday's list: in two periods' candidates.
    moved = paper("2503.00001", "Graph networks", day=DAY - dt.timedelta(days=1), upvotes=5)
    fresh = paper("2503.00002", "Fresh graph networks", upvotes=1)
    person = subscriber("a@example.org", "graph networks")
    compose_period(containing("daily", DAY - dt.timedelta(days=1)))
    tuesday = Digest.objects.get(subscriber=person)
    Received.objects.create(subscriber=person, paper=moved, digest=tuesday)
    moved.daily_date = DAY
    moved.save()
    compose_period(DAILY)
    assert [i for i, _ in items("a@example.org")] == [fresh.arxiv_id]


def test_an_empty_digest_is_not_composed():
    paper("2503.00001", "Quiet paper")  # no votes: not trending
    subscriber("a@example.org", "quantum chromodynamics")
    summary = compose_period(DAILY)
    assert (summary.composed, summary.empty) == (0, 1)
    assert not Digest.objects.exists()


def test_composing_again_changes_nothing():
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("a@example.org")
    assert compose_period(DAILY).composed == 1
    again = compose_period(DAILY)
    assert (again.subscribers, again.composed) == (0, 0)
    assert Digest.objects.count() == 1


def test_only_confirmed_reachable_subscribers_of_the_frequency():
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("ok@example.org")
    subscriber("weekly@example.org", frequency="weekly")
    subscriber("left@example.org").__class__.objects.filter(email="left@example.org").update(
        unsubscribed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    bounced = subscriber("bounced@example.org")
    bounced.bounced_at = bounced.confirmed_at
    bounced.save()
    unconfirmed = subscriber("new@example.org")
    unconfirmed.confirmed_at = None
    unconfirmed.save()
    compose_period(DAILY)
    assert list(Digest.objects.values_list("subscriber__email", flat=True)) == ["ok@example.org"]


def test_a_weekly_digest_covers_monday_to_sunday():
    week = containing("weekly", DAY)
    assert (week.first, week.last) == (dt.date(2025, 3, 10), dt.date(2025, 3, 16))
    paper("2503.00001", "Monday", day=dt.date(2025, 3, 10), upvotes=1)
    paper("2503.00002", "Sunday", day=dt.date(2025, 3, 16), upvotes=2)
    paper("2503.00003", "Next Monday", day=dt.date(2025, 3, 17), upvotes=9)
    subscriber("w@example.org", frequency="weekly")
    compose_period(week)
    assert [i for i, _ in items("w@example.org", week)] == ["2503.00002", "2503.00001"]
