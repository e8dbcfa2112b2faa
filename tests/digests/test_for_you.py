"""The "For you" section: a subscriber with an account and signals gets the period's papers
ranked by their own model (the real engine, ``paperwire.foryou``) first, each with its
reasons; everyone of a run is ranked in batches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import containing
from paperwire.digests.compose import compose_period
from paperwire.digests.models import Digest
from paperwire.digests.sections import FOR_YOU_ITEMS
from paperwire.library import save
from paperwire.search.embedding_jobs import embed_pending
from paperwire.search.embeddings import get_embedder
from tests.factories import DAY, account, paper, subscriber

pytestmark = pytest.mark.django_db
DAILY = containing("daily", DAY)
EARLIER = DAY - dt.timedelta(days=7)

GRAPHS = [
    ("Message passing neural networks for molecular property prediction",
     "We learn molecular properties with graph neural networks that pass messages between atoms."),
    ("Graph attention networks",
     "Attention over a node's neighbours gives graph neural networks weighted aggregation."),
    ("Inductive representation learning on large graphs",
     "GraphSAGE samples and aggregates neighbourhoods to embed unseen nodes of large graphs."),
]  # fmt: skip
TODAY = [
    ("2503.00001", "Oversmoothing in deep graph neural networks",
     "Stacking many message passing layers makes node embeddings of a graph indistinguishable.", 0),
    ("2503.00002", "Equivariant graph networks for protein structure",
     "A graph neural network over residues predicts protein structure with equivariant layers.", 0),
    ("2503.00003", "A history of medieval tax law",
     "Tax records of English towns between 1200 and 1400 show how levies changed.", 7),
    ("2503.00004", "Baroque counterpoint in practice",
     "Voice leading rules of eighteenth century fugues, read from the composers' manuscripts.", 0),
]  # fmt: skip


@pytest.fixture
def day_of_papers() -> None:
    for n, (title, abstract) in enumerate(GRAPHS, start=1):
        paper(f"2502.{n:05d}", title, abstract=abstract, day=EARLIER)
    for arxiv_id, title, abstract, votes in TODAY:
        paper(arxiv_id, title, abstract=abstract, upvotes=votes)
    embed_pending(get_embedder())


def reader_with_library(email: str):
    from paperwire import foryou

    user = account(email)
    for liked in Paper.objects.filter(announced_on=EARLIER):
        save(user, liked)
    foryou.retrain(user)  # the background job's work, done now
    return user


def sectioned(email: str) -> list[tuple[str, str, list[str]]]:
    digest = Digest.objects.get(subscriber__email=email, period_start=DAILY.first)
    ids = dict(Paper.objects.values_list("pk", "arxiv_id"))
    return [
        (str(i["section"]), ids[int(str(i["paper"]))], [str(w) for w in i["why"]])  # type: ignore[attr-defined]
        for i in digest.items
    ]


def test_a_reader_with_three_saved_papers_gets_for_you_first_ranked_and_explained(
    day_of_papers: None,
):
    from paperwire import foryou

    reader = reader_with_library("reader@example.org")
    subscriber("reader@example.org")
    compose_period(DAILY)
    got = sectioned("reader@example.org")
    for_you = [(a, why) for s, a, why in got if s == "foryou"]
    assert got[0][0] == "foryou"
    assert [s for s, _, _ in got] == sorted(
        (s for s, _, _ in got), key=["foryou", "topics", "trending"].index
    )
    # The engine's own order and reasons, as far as the section shows.
    today = list(Paper.objects.filter(announced_on=DAY).values_list("pk", flat=True))
    ranked = foryou.recommend_many([reader.pk], today, FOR_YOU_ITEMS)[reader.pk]
    ids = dict(Paper.objects.values_list("pk", "arxiv_id"))
    expected = [(ids[r.paper_id], list(r.why)) for r in ranked][: len(for_you)]
    assert [a for a, _ in for_you] == [a for a, _ in expected]
    # Each item says the engine's reasons first; a later section that picked it too adds its own.
    for (_, why), (_, reasons) in zip(for_you, expected, strict=True):
        assert why[: len(reasons)] == reasons
    assert {a for a, _ in for_you[:2]} == {"2503.00001", "2503.00002"}  # the graph papers lead
    assert all(why for _, why in for_you)  # every item says why it is there
    assert len({a for _, a, _ in got}) == len(got)  # never the same paper twice
    assert "2503.00003" in {a for _, a, _ in got}  # in the digest once


def test_a_subscriber_whose_address_has_no_account_gets_no_for_you(day_of_papers: None):
    reader_with_library("someone-else@example.org")
    subscriber("reader@example.org")
    compose_period(DAILY)
    assert {s for s, _, _ in sectioned("reader@example.org")} == {"trending"}


def test_every_reader_of_a_run_is_ranked_in_batches_not_a_query_per_subscriber(
    day_of_papers: None,
):
    def composing(readers: int) -> int:
        Digest.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            compose_period(DAILY)
        personal = [d for d in Digest.objects.all() if d.items[0].get("section") == "foryou"]
        assert len(personal) == readers
        return len(queries)

    for n in range(3):
        reader_with_library(f"r{n}@example.org")
        subscriber(f"r{n}@example.org")
    composing(3)  # the first run also fills the ranking's per-process caches (term statistics)
    few = composing(3)
    for n in range(3, 12):
        reader_with_library(f"r{n}@example.org")
        subscriber(f"r{n}@example.org")
    assert composing(12) == few
