"""The embedded mode's vector index file: growth without duplicates, stale and corrupt files."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.search.backends import IndexUnavailable, SearchBackend
from paperwire.search.embeddings import current_model_id
from paperwire.search.models import Embedding, SearchMeta

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's file")
MODEL = current_model_id()  # nearest() checks it


def papers_with_vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    now = timezone.now()
    for i, vector in enumerate(vectors):
        paper = Paper.objects.create(arxiv_id=f"2501.{i + 1:05d}", title=f"Paper {i}")
        Embedding.objects.create(
            paper=paper,
            model=MODEL,
            content_hash="h",
            vector=vector.tobytes(),
            encoded_at=now,
            checked_at=now,
        )
    return vectors


def test_a_second_sync_right_after_the_first_adds_nothing(backend: SearchBackend):
    papers_with_vectors(50)
    assert backend.sync_vectors(MODEL) == 50
    assert backend.sync_vectors(MODEL) == 0  # re-read (overlap), recognised, not re-added
    manifest = backend.vector_index.manifest()  # type: ignore[attr-defined]
    assert (manifest.count, manifest.live) == (50, 50)


def test_a_re_embedded_paper_replaces_its_vector(backend: SearchBackend):
    vectors = papers_with_vectors(20)
    backend.sync_vectors(MODEL)
    row = Embedding.objects.get(paper__arxiv_id="2501.00001")
    row.vector = vectors[5].tobytes()
    row.encoded_at = timezone.now()
    row.save()
    assert backend.sync_vectors(MODEL) == 1
    hits = backend.nearest(vectors[5], 2)
    assert {h.arxiv_id for h in hits} == {"2501.00001", "2501.00006"}
    manifest = backend.vector_index.manifest()  # type: ignore[attr-defined]
    assert (manifest.count, manifest.live) == (21, 20)


def test_an_index_built_from_another_database_is_stale_and_not_served(backend: SearchBackend):
    vectors = papers_with_vectors(10)
    backend.sync_vectors(MODEL)
    SearchMeta.objects.filter(name="database_id").update(value="another-database")
    backend.vector_index._loaded = None  # type: ignore[attr-defined]
    with pytest.raises(IndexUnavailable, match="another database"):
        backend.nearest(vectors[0], 3)
    problems = backend.status().problems
    assert isinstance(problems, list)
    assert any("another database" in p for p in problems)


def test_a_truncated_index_file_is_corrupt_and_not_served(backend: SearchBackend):
    vectors = papers_with_vectors(10)
    backend.sync_vectors(MODEL)
    path = backend.vector_index.directory / "keys.npy"  # type: ignore[attr-defined]
    path.write_bytes(path.read_bytes()[:-8])
    backend.vector_index._loaded = None  # type: ignore[attr-defined]
    with pytest.raises(IndexUnavailable, match="corrupt"):
        backend.nearest(vectors[0], 3)
    assert backend.rebuild_vectors(MODEL) == 10
    assert backend.nearest(vectors[0], 1)[0].arxiv_id == "2501.00001"


def test_an_index_built_with_other_graph_parameters_is_stale_and_rebuilt(
    backend: SearchBackend, monkeypatch: pytest.MonkeyPatch
):
    from paperwire.search import vectors as vector_module

    vectors = papers_with_vectors(10)
    backend.sync_vectors(MODEL)
    manifest = backend.vector_index.manifest()  # type: ignore[attr-defined]
    assert (manifest.hnsw_m, manifest.ef_construction) == (
        vector_module.HNSW_M,
        vector_module.EF_CONSTRUCTION,
    )
    monkeypatch.setattr(vector_module, "HNSW_M", vector_module.HNSW_M + 8)
    backend.vector_index._loaded = None  # type: ignore[attr-defined]
    with pytest.raises(IndexUnavailable, match="other parameters"):
        backend.nearest(vectors[0], 3)
    assert backend.sync_vectors(MODEL) == 10  # the next sync builds afresh
    manifest = backend.vector_index.manifest()  # type: ignore[attr-defined]
    assert manifest.hnsw_m == vector_module.HNSW_M
    assert backend.nearest(vectors[0], 1)[0].arxiv_id == "2501.00001"
