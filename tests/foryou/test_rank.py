"""Ranking many readers at once (the digest composer's For-you sections): the same papers in
the same order as ranking each reader alone, on one core or two."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from paperwire.catalogue.models import Paper
from paperwire.foryou import rank, recommend, recommend_many, retrain
from paperwire.library import mark, save
from tests.factories import account

from .conftest import GRAPHS, OTHER, SPEECH


@pytest.fixture
def readers(catalogue: dict[str, Paper]) -> list[User]:
    """Three readers with models: graphs (one read, one dismissed), speech, and both."""
    graphs, speech, both = (account(f"{n}@example.org") for n in ("g", "s", "b"))
    for title in GRAPHS[:3]:
        save(graphs, catalogue[title])
    mark(graphs, catalogue[GRAPHS[3]], "read")
    mark(graphs, catalogue[OTHER[0]], "not_interested")
    for title in SPEECH[:3]:
        save(speech, catalogue[title])
    for title in GRAPHS[:2] + SPEECH[:2]:
        save(both, catalogue[title])
    for user in (graphs, speech, both):
        retrain(user)
    return [graphs, speech, both]


@pytest.fixture(params=["one process", "two processes"])
def cores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "two processes":
        if not hasattr(os, "fork"):
            pytest.skip("no fork here")
        monkeypatch.setattr(rank, "PARALLEL_READERS", 2)
        monkeypatch.setattr(rank, "_cores", lambda: 2)
    else:
        monkeypatch.setattr(rank, "_cores", lambda: 1)
    return str(request.param)


def everything() -> list[int]:
    return list(Paper.objects.values_list("pk", flat=True))


def test_sections_rank_exactly_as_each_reader_alone(readers: list[User], cores: str) -> None:
    sections = recommend_many([u.pk for u in readers], everything(), limit=6)
    assert set(sections) == {u.pk for u in readers}
    for user in readers:
        alone = recommend(user, everything(), limit=6)
        assert [r.paper_id for r in sections[user.pk]] == [r.paper_id for r in alone], cores
        assert [r.score for r in sections[user.pk]] == pytest.approx(
            [r.score for r in alone], rel=1e-4, abs=1e-5
        )


def test_saved_read_and_dismissed_papers_never_come_back_in_sections(
    readers: list[User], catalogue: dict[str, Paper], cores: str
) -> None:
    graphs = readers[0]
    hidden = {catalogue[t].pk for t in GRAPHS[:4] + OTHER[:1]}
    sections = recommend_many([u.pk for u in readers], everything(), limit=100)
    shown = {r.paper_id for r in sections[graphs.pk]}
    assert shown == {p.pk for p in Paper.objects.all()} - hidden
    speech_hidden = {catalogue[t].pk for t in SPEECH[:3]}
    assert not {r.paper_id for r in sections[readers[1].pk]} & speech_hidden


def test_a_reader_without_a_model_is_left_out(readers: list[User], cores: str) -> None:
    newcomer = account("new@example.org")
    sections = recommend_many([newcomer.pk] + [u.pk for u in readers], everything(), limit=3)
    assert newcomer.pk not in sections
    assert all(len(sections[u.pk]) == 3 for u in readers)


def test_when_the_second_process_fails_this_one_ranks_its_half_too(
    readers: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    monkeypatch.setattr(rank, "PARALLEL_READERS", 2)
    monkeypatch.setattr(rank, "_cores", lambda: 2)
    parent = os.getpid()
    real: Callable[..., list[rank.Ranked]] = rank._rank

    def fails_in_the_child(*args: object) -> list[rank.Ranked]:
        if os.getpid() != parent:
            raise RuntimeError("the child breaks")
        return real(*args)

    monkeypatch.setattr(rank, "_rank", fails_in_the_child)
    sections = recommend_many([u.pk for u in readers], everything(), limit=4)
    for user in readers:
        alone = recommend(user, everything(), limit=4)
        assert [r.paper_id for r in sections[user.pk]] == [r.paper_id for r in alone]


def test_a_second_process_that_hangs_is_killed_and_this_one_ranks_its_half(
    readers: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    monkeypatch.setattr(rank, "PARALLEL_READERS", 2)
    monkeypatch.setattr(rank, "_cores", lambda: 2)
    monkeypatch.setattr(rank, "CHILD_GRACE_SECONDS", 0.5)
    parent = os.getpid()
    real: Callable[..., list[rank.Ranked]] = rank._rank

    def hangs_in_the_child(*args: object) -> list[rank.Ranked]:
        if os.getpid() != parent:
            time.sleep(3600)  # as a child stuck on a lock it inherited would
        return real(*args)

    monkeypatch.setattr(rank, "_rank", hangs_in_the_child)
    sections = recommend_many([u.pk for u in readers], everything(), limit=4)
    for user in readers:
        alone = recommend(user, everything(), limit=4)
        assert [r.paper_id for r in sections[user.pk]] == [r.paper_id for r in alone]
