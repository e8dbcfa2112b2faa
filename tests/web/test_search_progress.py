"""The search page while semantic search is being prepared (right after `make demo`): a visitor
learns how far embedding has got, never that someone should run `paperwire reindex`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from paperwire.search.backends import IndexUnavailable, get_backend
from paperwire.search.documents import content_hash
from paperwire.search.embedding_jobs import AT_WORK, EmbeddingProgress, embedding_progress
from paperwire.search.embeddings import current_model_id, get_embedder
from paperwire.search.models import Embedding
from tests.factories import paper

pytestmark = pytest.mark.django_db

REINDEX = "paperwire reindex"


@pytest.fixture
def library(indexed: Callable[[], int]) -> list[Paper]:
    papers = [
        paper(arxiv_id=f"2501.0000{n}", title=f"Graph networks, part {n}", abstract="On graphs.")
        for n in range(1, 4)
    ]
    indexed()
    return papers


def embed(papers: Sequence[Paper], *, age: dt.timedelta = dt.timedelta(0)) -> None:
    """Embedding rows as `paperwire embed` writes them, ``age`` ago (made-up unit vectors of the
    model's width)."""
    when = timezone.now() - age
    rng = np.random.default_rng(len(papers))
    dim = get_embedder().dim
    for item in papers:
        vector = rng.standard_normal(dim).astype(np.float32)
        Embedding.objects.create(
            paper=item,
            model=current_model_id(),
            content_hash=content_hash(item.title, item.abstract),
            vector=(vector / np.linalg.norm(vector)).tobytes(),
            encoded_at=when,
            checked_at=max(when, item.modified_at),
        )


def notes(client: Client, query: str = "graph") -> list[str]:
    page = client.get("/search", {"q": query}).content.decode()
    return [part.split("</p>")[0] for part in page.split('<p class="note">')[1:]]


def pgvector_missing() -> bool:
    """Search by PostgreSQL's own backend on a server without pgvector: no vector index can
    ever be built there (the default index backend keeps its vectors in files instead)."""
    if connection.vendor != "postgresql" or settings.SEARCH_BACKEND != "postgres":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        return cursor.fetchone() is None


def test_no_vector_index_while_embedding_says_how_far_it_has_got(
    client: Client, library: list[Paper]
):
    embed(library[:2])
    page = client.get("/search", {"q": "graph"}).content.decode()
    if pgvector_missing():
        # Embedding there prepares nothing: the page says why search stays keyword-only.
        assert "pgvector is not installed" in page
        assert "being prepared" not in page
        return
    assert (
        "Semantic search is being prepared: 2 of 3 papers embedded (66 %); results are keyword "
        "matches until then." in page
    )
    assert REINDEX not in page
    assert "/papers/2501.00003" in page  # the keyword matches are there meanwhile


def test_the_live_search_fragment_says_the_same(client: Client, library: list[Paper]):
    embed(library[:1])
    fragment = client.get("/search", {"q": "graph"}, HTTP_HX_REQUEST="true").content.decode()
    if pgvector_missing():
        assert "pgvector is not installed" in fragment
        return
    assert "1 of 3 papers embedded (33 %)" in fragment
    assert REINDEX not in fragment


def test_with_no_job_at_work_the_note_is_the_engines(client: Client, library: list[Paper]):
    embed(library[:2], age=AT_WORK + dt.timedelta(minutes=1))
    found = notes(client)
    assert not any("being prepared" in note for note in found)
    cure = "pgvector is not installed" if pgvector_missing() else REINDEX
    assert any(cure in note for note in found)


def test_semantic_search_switched_off_is_not_being_prepared(
    client: Client, library: list[Paper], settings: Settings
):
    embed(library[:2])
    settings.SEMANTIC = False
    found = notes(client)
    assert not any("being prepared" in note for note in found)
    assert any("switched off" in note for note in found)


def test_an_index_behind_the_catalogue_says_what_meaning_covers(
    client: Client, library: list[Paper]
):
    embed(library[:2])
    try:
        get_backend().sync_vectors(current_model_id())
    except IndexUnavailable as exc:  # PostgreSQL without pgvector: no vector index can be
        pytest.skip(str(exc))
    found = notes(client)
    assert found == [
        "Semantic search is being prepared: 2 of 3 papers embedded (66 %); until then, "
        "matches by meaning come from those papers only."
    ]
    embed(library[2:])
    get_backend().sync_vectors(current_model_id())
    cache.clear()  # the counts are kept for a page-cache period
    assert notes(client) == []


def test_progress_counts_visible_papers_and_a_changed_paper_as_pending(
    library: list[Paper],
):
    assert embedding_progress() is None  # nothing embedded yet: nothing to report
    embed(library)
    paper(arxiv_id="2501.00009", title="Hidden", hidden=True)
    assert embedding_progress() == EmbeddingProgress(embedded=3, total=3, under_way=True)
    changed = library[0]
    changed.abstract = "On graphs, rewritten."
    changed.save()
    progress = embedding_progress()
    assert progress == EmbeddingProgress(embedded=2, total=3, under_way=True)
    assert (progress.percent, progress.complete) == (66, False)
    later = timezone.now() + AT_WORK + dt.timedelta(seconds=1)
    assert embedding_progress(now=later) == EmbeddingProgress(2, 3, under_way=False)
