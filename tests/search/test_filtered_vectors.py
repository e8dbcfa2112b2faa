"""A narrow filter keeps the semantic side full: the filter is applied inside the vector
search (an exact search among the papers it admits), not to a fixed number of neighbours taken
from the whole catalogue, where a rare category or one author's papers are seldom found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.search import Filters, current_model_id
from paperwire.search.backends import SearchBackend
from paperwire.search.documents import content_hash
from paperwire.search.models import Embedding

pytestmark = pytest.mark.django_db

PAPERS = 2000
RARE = 20  # 1 % of the catalogue, in a category of their own
DIM = 64


@pytest.fixture
def catalogue(backend: SearchBackend, sync_vectors: Callable[[str], int]) -> np.ndarray:
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((PAPERS, DIM)).astype(np.float32)
    # The rare papers are about one thing (near one direction), as a small category is.
    vectors[:RARE] = rng.standard_normal(DIM) + 0.3 * vectors[:RARE]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    Paper.objects.bulk_create(
        Paper(
            arxiv_id=f"2406.{i:05d}",
            title=f"Paper {i}",
            categories=["cs.RARE"] if i < RARE else ["cs.LG"],
            match_keys=["c:cs", "c:cs.rare"] if i < RARE else ["c:cs", "c:cs.lg"],
            announced_on=dt.date(2024, 6, 3),
        )
        for i in range(PAPERS)
    )
    model, now = current_model_id(), timezone.now()
    pks = dict(Paper.objects.values_list("arxiv_id", "pk"))
    Embedding.objects.bulk_create(
        Embedding(
            paper_id=pks[f"2406.{i:05d}"],
            model=model,
            content_hash=content_hash("", ""),
            vector=vectors[i].tobytes(),
            encoded_at=now,
            checked_at=now,
        )
        for i in range(PAPERS)
    )
    sync_vectors(model)
    backend.refresh_lexical()
    return vectors


def test_a_one_percent_filter_gets_the_exact_filtered_neighbours(
    backend: SearchBackend, catalogue: np.ndarray
) -> None:
    # A query far from the rare papers: none of them is among the nearest thousand overall.
    query = -catalogue[:RARE].mean(axis=0)
    query /= np.linalg.norm(query)
    overall = np.argsort(-(catalogue @ query))[:1000]
    assert not set(overall.tolist()) & set(range(RARE))

    hits = backend.nearest(query, 10, Filters(categories=["cs.RARE"]))

    exact = {f"2406.{i:05d}" for i in np.argsort(-(catalogue[:RARE] @ query))[:10]}
    found = [h.arxiv_id for h in hits]
    assert len(found) == 10
    assert all(int(arxiv_id.split(".")[1]) < RARE for arxiv_id in found)
    # Scored exactly (up to the 8-bit index's rounding): the exact filtered top ten.
    assert len(exact & set(found)) >= 9


def test_a_filter_that_admits_nothing_finds_nothing(
    backend: SearchBackend, catalogue: np.ndarray
) -> None:
    assert backend.nearest(catalogue[0], 10, Filters(categories=["math.CO"])) == []
