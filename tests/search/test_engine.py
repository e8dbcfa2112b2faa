"""Hybrid search and similar papers end to end: real papers, the real model, both indexes.

Runs on whichever database the suite runs on (SQLite here; PostgreSQL + pgvector under
`make test-pgvector`).
"""

from __future__ import annotations

import gzip
import itertools
import json
from typing import Any

import numpy as np
import pytest

from paperwire.catalogue.models import Paper
from paperwire.ingest.run import Ingester
from paperwire.search.backends import SearchBackend
from paperwire.search.embedding_jobs import embed_pending, pending
from paperwire.search.embeddings import get_embedder
from paperwire.search.engine import Mode, search, similar
from paperwire.search.query import Sort
from paperwire.sources.listings import listing_stream
from tests.conftest import shared

N_PAPERS = 150


class MemoEmbedder:
    """The real model, remembering what it encoded: each test builds its catalogue afresh,
    but the same 150 abstracts need encoding only once per run."""

    def __init__(self) -> None:
        self.inner = get_embedder()
        self.model_id, self.dim = self.inner.model_id, self.inner.dim
        self.memo: dict[str, np.ndarray] = {}

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.inner.encode_documents(missing), strict=True))
        return np.stack([self.memo[t] for t in texts])

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)


@pytest.fixture(scope="session")
def memo_embedder() -> MemoEmbedder:
    return MemoEmbedder()


@pytest.fixture
def real_catalogue(
    backend: SearchBackend, tmp_path, sync_vectors, memo_embedder
) -> list[dict[str, Any]]:
    """The first real papers of the CS listings, ingested, indexed and embedded."""
    path = tmp_path / "papers.jsonl"
    with gzip.open(shared("arxiv-cs-daily-listings/papers.jsonl.gz"), "rt") as handle:
        lines = list(itertools.islice(handle, N_PAPERS))
    path.write_text("".join(lines))
    Ingester(progress=False).run(listing_stream(path))
    backend.refresh_lexical()
    embed_pending(memo_embedder)
    sync_vectors(memo_embedder.model_id)
    return [json.loads(line) for line in lines]


def test_the_model_loads_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    vectors = get_embedder().encode_queries(["graph neural networks"])
    assert vectors.shape == (1, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-3


def test_every_paper_is_embedded_once(real_catalogue):
    assert pending(get_embedder().model_id).count() == 0
    again = embed_pending(get_embedder())
    assert (again.encoded, again.unchanged) == (0, 0)


def test_a_changed_abstract_is_embedded_again_and_an_unchanged_one_is_not(real_catalogue):
    paper = Paper.objects.get(arxiv_id=real_catalogue[0]["id"])
    paper.abstract += " We also release a dataset."
    paper.save()
    other = Paper.objects.get(arxiv_id=real_catalogue[1]["id"])
    other.upvotes += 5  # not text: no new vector
    other.save()
    summary = embed_pending(get_embedder())
    assert (summary.encoded, summary.unchanged) == (1, 1)


@pytest.mark.parametrize("mode", [Mode.HYBRID, Mode.LEXICAL, Mode.SEMANTIC])
def test_a_papers_exact_title_returns_it_first(real_catalogue, mode):
    for record in real_catalogue[:20]:
        response = search(record["title"], mode=mode, limit=3)
        assert response.results[0].paper.arxiv_id == record["id"], record["title"]
        assert response.mode == mode.value


def test_meaning_finds_a_paper_that_shares_few_words(real_catalogue):
    target = real_catalogue[0]  # "Industrial-Grade Sensor Simulation via Gaussian Splatting ..."
    response = search("simulating cameras and lidar for testing autonomous cars", limit=10)
    assert target["id"] in [r.paper.arxiv_id for r in response.results]
    assert response.mode == "hybrid"


def test_search_falls_back_to_keywords_and_says_so_when_the_model_is_off(real_catalogue, settings):
    settings.SEMANTIC = False
    response = search(real_catalogue[3]["title"], limit=3)
    assert response.mode == "lexical"
    assert any("semantic search is unavailable" in note for note in response.notes)
    assert response.results[0].paper.arxiv_id == real_catalogue[3]["id"]


def test_filters_apply_to_both_halves(real_catalogue):
    response = search("image generation cat:cs.CL", limit=20)
    assert response.results
    assert all("cs.CL" in r.paper.categories for r in response.results)


def test_an_id_goes_straight_to_its_paper(real_catalogue):
    wanted = real_catalogue[5]["id"]
    response = search(f"https://arxiv.org/abs/{wanted}v2")
    assert response.mode == "id"
    assert [r.paper.arxiv_id for r in response.results] == [wanted]


def test_an_unknown_id_says_how_to_add_it(real_catalogue):
    response = search("2001.99999")
    assert response.results == []
    assert "paperwire add 2001.99999" in response.notes[0]


def test_hidden_papers_never_appear(real_catalogue, backend):
    hidden = Paper.objects.get(arxiv_id=real_catalogue[2]["id"])
    hidden.hidden = True
    hidden.save()
    for mode in Mode:
        ids = [r.paper.arxiv_id for r in search(hidden.title, mode=mode, limit=20).results]
        assert hidden.arxiv_id not in ids


def test_sort_newest_orders_by_day(real_catalogue):
    results = search("learning", sort=Sort.NEWEST, limit=20).results
    days = [r.paper.announced_on for r in results]
    assert None not in days
    assert days == sorted((d for d in days if d), reverse=True)


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE catalogue_paper; --", 'title:x OR (y AND "z', "\x00\x1b[31m", "x" * 10_000, ""],
)
def test_hostile_queries_get_results_or_a_message(real_catalogue, hostile):
    response = search(hostile)
    assert response.results or response.notes
    assert Paper.objects.count() == N_PAPERS


def test_similar_papers_exclude_the_paper_itself(real_catalogue):
    paper_id = real_catalogue[0]["id"]
    response = similar(paper_id, limit=5)
    ids = [r.paper.arxiv_id for r in response.results]
    assert response.mode == "semantic"
    assert paper_id not in ids
    assert len(ids) == 5
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)
