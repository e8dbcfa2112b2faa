"""Training and ranking through the site's code: signals in, a stored model, rankings out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from paperwire.catalogue.models import Paper
from paperwire.foryou import (
    Status,
    more_like_collection,
    recommend,
    recommend_many,
    retrain,
    retrain_due,
    status,
)
from paperwire.foryou.models import StoredModel
from paperwire.foryou.train import due
from paperwire.library import collection_named, mark, save
from tests.factories import account

from .conftest import GRAPHS, OTHER, SPEECH


def save_graph_papers(reader: User, catalogue: dict[str, Paper], count: int = 3) -> None:
    for title in GRAPHS[:count]:
        save(reader, catalogue[title])


def test_three_positives_give_a_ranking_with_the_readers_topic_first(
    reader: User, catalogue: dict[str, Paper]
) -> None:
    save_graph_papers(reader, catalogue)
    assert retrain(reader) is not None
    ranked = recommend(reader, Paper.objects.all(), limit=20)
    titles = [Paper.objects.get(pk=r.paper_id).title for r in ranked]
    assert titles.index(GRAPHS[3]) < titles.index(SPEECH[3])
    assert titles[0] in GRAPHS[3:]
    assert status(reader) == Status.READY


def test_fewer_than_three_positives_give_no_ranking_yet(
    reader: User, catalogue: dict[str, Paper]
) -> None:
    assert status(reader) == Status.NO_SIGNALS
    save_graph_papers(reader, catalogue, count=2)
    assert retrain(reader) is None
    assert status(reader) == Status.FEW_POSITIVES
    assert recommend(reader, Paper.objects.all()) == []


def test_papers_read_dismissed_or_saved_never_come_back(
    reader: User, catalogue: dict[str, Paper]
) -> None:
    save_graph_papers(reader, catalogue)
    mark(reader, catalogue[GRAPHS[3]], "read")
    mark(reader, catalogue[GRAPHS[4]], "not_interested")
    retrain(reader)
    hidden = {catalogue[t].pk for t in GRAPHS}
    shown = {r.paper_id for r in recommend(reader, Paper.objects.all(), limit=100)}
    assert shown
    assert not shown & hidden
    many = recommend_many([reader.pk], list(Paper.objects.values_list("pk", flat=True)), 100)
    assert {r.paper_id for r in many[reader.pk]} == shown


def test_a_retrain_is_due_only_after_the_signals_changed(
    reader: User, catalogue: dict[str, Paper]
) -> None:
    save_graph_papers(reader, catalogue)
    assert due() == [reader.pk]
    assert retrain_due() == 1
    assert due() == []
    assert retrain_due() == 0
    trained_at = StoredModel.objects.get(user=reader).trained_at
    mark(reader, catalogue[SPEECH[0]], "less")
    assert due() == [reader.pk]
    retrain_due()
    assert StoredModel.objects.get(user=reader).trained_at > trained_at


def test_a_change_of_signals_retrains_in_the_background_after_commit(
    reader: User,
    catalogue: dict[str, Paper],
    run_tasks_now: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    for title in GRAPHS[:3]:
        with django_capture_on_commit_callbacks(execute=True):
            save(reader, catalogue[title])
    stored = StoredModel.objects.get(user=reader)
    assert stored.positives == 3
    assert stored.blob
    assert due() == []


def test_reasons_name_the_closest_library_paper_and_its_collection(
    reader: User, catalogue: dict[str, Paper]
) -> None:
    save(reader, catalogue[GRAPHS[0]], "Molecules")
    save(reader, catalogue[GRAPHS[1]], "Molecules")
    save(reader, catalogue[OTHER[0]])
    retrain(reader)
    best = recommend(reader, [catalogue[GRAPHS[3]]], limit=1)[0]
    assert any(
        f"«{GRAPHS[0]}» in Molecules" in why or f"«{GRAPHS[1]}» in Molecules" in why
        for why in best.why
    ), best.why
    assert any(why.startswith("the words that weighed most") for why in best.why)


def test_more_like_a_collection_ranks_its_topic_first(
    reader: User, catalogue: dict[str, Paper]
) -> None:
    for title in SPEECH[:2]:
        save(reader, catalogue[title], "Speech")
    save_graph_papers(reader, catalogue)
    speech = collection_named(reader, "Speech")
    ranked = more_like_collection(speech, list(Paper.objects.values_list("pk", flat=True)), 5)
    assert Paper.objects.get(pk=ranked[0].paper_id).title in SPEECH[2:]
    assert not {r.paper_id for r in ranked} & {catalogue[t].pk for t in SPEECH[:2]}


def test_each_reader_gets_their_own_ranking(catalogue: dict[str, Paper]) -> None:
    graphs, speech = account("g@example.org"), account("s@example.org")
    save_graph_papers(graphs, catalogue)
    for title in SPEECH[:3]:
        save(speech, catalogue[title])
    retrain_due()
    candidates = [catalogue[GRAPHS[3]].pk, catalogue[SPEECH[3]].pk]
    sections = recommend_many([graphs.pk, speech.pk], candidates, limit=1)
    assert sections[graphs.pk][0].paper_id == catalogue[GRAPHS[3]].pk
    assert sections[speech.pk][0].paper_id == catalogue[SPEECH[3]].pk
