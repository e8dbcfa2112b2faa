"""Followed authors feed the For-you ranking: their papers get a small boost (rank.FOLLOW_BOOST)
and the reason "by <author>, whom you follow", alone and in the digest's batch alike."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from paperwire.catalogue.models import Paper
from paperwire.community import set_follow
from paperwire.foryou import rank, recommend, recommend_many, retrain
from paperwire.library import save
from tests.factories import account

from .conftest import GRAPHS, SPEECH


@pytest.fixture
def graphs_reader(catalogue: dict[str, Paper]) -> User:
    reader = account("g@example.org")
    for title in GRAPHS[:3]:
        save(reader, catalogue[title])
    retrain(reader)
    return reader


def everything() -> list[int]:
    return list(Paper.objects.values_list("pk", flat=True))


def test_a_followed_authors_paper_rises_by_the_boost_and_says_why(
    graphs_reader: User, catalogue: dict[str, Paper]
) -> None:
    target = catalogue[SPEECH[3]]
    Paper.objects.filter(pk=target.pk).update(authors=["Yang Li"])
    target.refresh_from_db()
    target.save()  # the names' index follows the saved paper
    before = {r.paper_id: r for r in recommend(graphs_reader, everything(), limit=100)}
    set_follow(graphs_reader, "author", "yang li", following=True)
    after = {r.paper_id: r for r in recommend(graphs_reader, everything(), limit=100)}
    assert after[target.pk].score == pytest.approx(before[target.pk].score + rank.FOLLOW_BOOST)
    assert after[target.pk].why[0] == "by yang li, whom you follow"
    others = set(after) - {target.pk}
    assert all(after[pk].score == pytest.approx(before[pk].score) for pk in others)
    batch = recommend_many([graphs_reader.pk], everything(), limit=100)[graphs_reader.pk]
    in_batch = {r.paper_id: r for r in batch}
    assert in_batch[target.pk].why[0] == "by yang li, whom you follow"
    assert in_batch[target.pk].score == pytest.approx(after[target.pk].score, rel=1e-4)


def test_an_organisation_followed_says_from(graphs_reader: User, catalogue: dict[str, Paper]):
    target = catalogue[SPEECH[2]]
    target.organization = "Hugging Face"
    target.save()
    set_follow(graphs_reader, "org", "Hugging Face", following=True)
    found = {r.paper_id: r for r in recommend(graphs_reader, everything(), limit=100)}
    assert found[target.pk].why[0] == "from Hugging Face, which you follow"
