"""Claims: runs of `paperwire embed` sharing one database take disjoint batches."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest

from paperwire.search import embedding_jobs
from paperwire.search.claims import EmbeddingClaim, claim, held_by_others
from paperwire.search.embedding_jobs import embed_pending, pending
from paperwire.search.models import Embedding
from tests import factories

pytestmark = pytest.mark.django_db


class CountingEmbedder:
    """Vectors made from the text's hash; remembers every text it was asked to encode."""

    model_id, dim = "counting-model", 4

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], np.uint32) for t in texts]
        vectors = np.array(rows, dtype=np.float32) + 1
        return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_documents(texts)


def test_two_runs_offered_the_same_papers_get_disjoint_shares():
    keys = [factories.paper().pk for _ in range(6)]
    first = claim(keys[:4], "machine-a:1")
    second = claim(keys, "machine-b:1")
    assert first == sorted(keys[:4])
    assert second == sorted(keys[4:])  # only what the first did not hold
    assert dict(EmbeddingClaim.objects.values_list("paper_id", "owner")) == {
        **dict.fromkeys(keys[:4], "machine-a:1"),
        **dict.fromkeys(keys[4:], "machine-b:1"),
    }


def test_a_claim_whose_lease_has_expired_is_taken_over():
    keys = [factories.paper().pk for _ in range(3)]
    assert claim(keys, "killed:7", lease=-1) == sorted(keys)  # expired already
    assert claim(keys, "machine-b:1") == sorted(keys)
    assert set(EmbeddingClaim.objects.values_list("owner", flat=True)) == {"machine-b:1"}


def test_a_run_may_renew_its_own_claim():
    keys = [factories.paper().pk for _ in range(2)]
    assert claim(keys, "machine-a:1") == sorted(keys)
    assert claim(keys, "machine-a:1") == sorted(keys)


def test_a_run_skips_the_papers_another_run_holds_and_leaves_their_claims():
    papers = [factories.paper() for _ in range(5)]
    held = [papers[0].pk, papers[3].pk]
    claim(held, "machine-b:1")
    embedder = CountingEmbedder()

    summary = embed_pending(embedder, batch=2, owner="machine-a:1")

    assert summary.encoded == 3
    assert len(embedder.encoded) == 3
    embedded = set(Embedding.objects.values_list("paper_id", flat=True))
    assert embedded == {p.pk for p in papers} - set(held)
    # Its own claims went with the vectors written; the other run's stay.
    assert sorted(EmbeddingClaim.objects.values_list("paper_id", flat=True)) == sorted(held)
    assert set(pending(embedder.model_id).values_list("pk", flat=True)) == set(held)
    assert held_by_others("machine-a:1").count() == 2


def test_papers_a_killed_run_held_are_embedded_once_its_lease_has_expired():
    papers = [factories.paper() for _ in range(4)]
    claim([papers[1].pk], "killed:7", lease=-1)
    embedder = CountingEmbedder()

    summary = embed_pending(embedder, owner="machine-a:1")

    assert summary.encoded == 4
    assert not EmbeddingClaim.objects.exists()


def test_a_paper_another_run_embedded_after_the_page_was_read_is_not_encoded_again(
    monkeypatch: pytest.MonkeyPatch,
):
    factories.paper()
    first, second = CountingEmbedder(), CountingEmbedder()

    def claim_after_the_other_run_wrote(keys: list[int], owner: str, lease: float | None):
        # The second run has read its page; the first now embeds the paper and releases it.
        monkeypatch.setattr(embedding_jobs, "claim", claim)
        embed_pending(first, owner="machine-a:1")
        return claim(keys, owner, lease)

    monkeypatch.setattr(embedding_jobs, "claim", claim_after_the_other_run_wrote)
    summary = embed_pending(second, owner="machine-b:1")

    assert (len(first.encoded), second.encoded) == (1, [])
    assert (summary.encoded, summary.unchanged) == (0, 1)
    assert not EmbeddingClaim.objects.exists()


class SlowEmbedder(CountingEmbedder):
    """Notes the time each encoding ends, as a model that takes a while would."""

    def __init__(self) -> None:
        super().__init__()
        self.finished: list[dt.datetime] = []

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        import time

        from django.utils import timezone

        time.sleep(0.02)
        vectors = super().encode_documents(texts)
        self.finished.append(timezone.now())
        return vectors


def test_a_vector_is_stamped_when_written_so_followers_reading_by_that_stamp_see_it():
    # The nodes' followers read vectors encoded after their watermark, looking back only
    # seconds: a stamp from before a long encoding would land behind a watermark taken
    # meanwhile, and the vector would never reach that node's index.
    made = factories.paper()
    embedder = SlowEmbedder()
    embed_pending(embedder, owner="machine-a:1")
    stored = Embedding.objects.get(paper=made)
    assert stored.encoded_at >= embedder.finished[0]
    # ...while "checked" stays the time the text was read: an edit made during the encoding
    # is newer than it, so the paper is still pending.
    assert stored.checked_at < embedder.finished[0]
