"""The ranking model on its own (no database): what it learns, how it is stored, why it
says a paper is there."""

from __future__ import annotations

import numpy as np
import pytest

from paperwire.foryou import model as model_module
from paperwire.foryou.model import (
    PaperSet,
    ReaderModel,
    fit_idf,
    paper_text,
    score_many,
    score_matrix,
    term_counts,
    weigh,
)

GRAPHS = [
    "Graph neural networks for molecule property prediction",
    "Message passing graph neural networks on molecular graphs",
    "Equivariant graph neural networks for molecule generation",
    "Graph transformers predict molecule binding affinity",
]
SPEECH = [
    "Streaming speech recognition with transducer models",
    "Self-supervised speech representations for low-resource recognition",
    "Speech recognition of accented English with conformers",
    "Speaker diarization and speech recognition in meetings",
]
OTHER = [
    "Reinforcement learning for robot grasping",
    "Image segmentation with vision transformers",
    "Code generation with large language models",
    "Federated learning under label noise",
    "Weather forecasting with neural operators",
    "Question answering over tables",
]
TOPIC = {"graphs": 0, "speech": 1}


def papers(titles: list[str], first_id: int, idf: np.ndarray | None = None) -> PaperSet:
    """Papers whose vector points along their topic (graphs, speech, or elsewhere)."""
    texts = [paper_text(t, f"We study {t.lower()}.") for t in titles]
    counts = term_counts(texts)
    rng = np.random.default_rng(first_id)
    vectors = rng.normal(0, 0.2, (len(titles), 8)).astype(np.float32)
    for n, title in enumerate(titles):
        if title in GRAPHS:
            vectors[n, 0] += 1
        elif title in SPEECH:
            vectors[n, 1] += 1
        else:
            vectors[n, 2 + n % 6] += 1
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    categories = [
        ["cs.LG"] if t in GRAPHS else ["eess.AS", "cs.CL"] if t in SPEECH else ["cs.AI"]
        for t in titles
    ]
    return PaperSet(
        ids=np.arange(first_id, first_id + len(titles), dtype=np.int64),
        terms=weigh(counts, idf if idf is not None else fit_idf(counts)),
        vectors=vectors,
        has_vector=np.ones(len(titles), dtype=bool),
        categories=categories,
        days=np.arange(len(titles), dtype=np.int64) + 700_000,
        texts=texts,
    )


def corpus_idf() -> np.ndarray:
    return fit_idf(term_counts([paper_text(t, "") for t in GRAPHS + SPEECH + OTHER]))


def graph_reader() -> tuple[ReaderModel, np.ndarray]:
    idf = corpus_idf()
    library = papers(GRAPHS[:3], 1, idf)
    background = papers(OTHER + SPEECH[:2], 100, idf)
    calibration = papers(OTHER[::-1], 200, idf)
    empty = library.take(np.zeros(0, dtype=np.int64))
    return ReaderModel.fit(library, empty, background, calibration), idf


def test_a_reader_of_graph_papers_ranks_a_new_graph_paper_above_a_speech_paper() -> None:
    model, idf = graph_reader()
    candidates = papers([SPEECH[3], GRAPHS[3], OTHER[0]], 300, idf)
    scores = model.score(candidates)
    assert scores[1] > scores[0]
    assert scores[1] > scores[2]


def test_three_positives_are_enough_for_a_ranking() -> None:
    model, idf = graph_reader()
    assert len(model.library_ids) == 3
    assert np.isfinite(model.score(papers(SPEECH + OTHER, 300, idf))).all()


def test_a_stored_model_scores_exactly_as_before() -> None:
    model, idf = graph_reader()
    candidates = papers(GRAPHS[3:] + SPEECH + OTHER, 300, idf)
    again = ReaderModel.from_bytes(model.to_bytes())
    np.testing.assert_allclose(again.score(candidates), model.score(candidates), rtol=1e-5)


def test_scoring_many_readers_at_once_agrees_with_one_at_a_time() -> None:
    graphs, idf = graph_reader()
    speech = ReaderModel.fit(
        papers(SPEECH[:3], 1, idf),
        papers([], 50, idf),
        papers(OTHER + GRAPHS[:2], 100, idf),
        papers(OTHER[::-1], 200, idf),
    )
    candidates = papers(GRAPHS[3:] + SPEECH[3:] + OTHER, 300, idf)
    together = score_many([graphs, speech], candidates)
    np.testing.assert_allclose(together[0], graphs.score(candidates), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(together[1], speech.score(candidates), rtol=1e-4, atol=1e-5)


def test_the_reason_names_the_closest_library_paper_and_the_words_that_weighed() -> None:
    model, idf = graph_reader()
    candidates = papers([GRAPHS[3]], 300, idf)
    (reason,) = model.explain(candidates, [0])
    assert reason.nearest in {1, 2, 3}
    assert any("molecule" in w or "graph" in w for w in reason.words)
    assert reason.category == "cs.LG"


def test_a_paper_without_a_vector_yet_is_ranked_by_its_words() -> None:
    model, idf = graph_reader()
    candidates = papers([SPEECH[3], GRAPHS[3]], 300, idf)
    candidates.has_vector[:] = False
    candidates.vectors[:] = 0
    scores = model.score(candidates)
    assert scores[1] > scores[0]


def test_a_dismissed_topic_is_pushed_down() -> None:
    idf = corpus_idf()
    library = papers(GRAPHS[:2] + SPEECH[:2], 1, idf)
    background = papers(OTHER, 100, idf)
    calibration = papers(OTHER[::-1], 200, idf)
    likes_both = ReaderModel.fit(library, papers([], 50, idf), background, calibration)
    not_speech = ReaderModel.fit(library, papers(SPEECH[2:3], 50, idf), background, calibration)
    candidates = papers([SPEECH[3], GRAPHS[3]], 300, idf)
    before, after = likes_both.score(candidates), not_speech.score(candidates)
    assert after[0] - after[1] < before[0] - before[1]


@pytest.mark.parametrize("dense_from", [1, 2, 10**9])
def test_many_readers_score_as_one_whichever_terms_go_through_the_dense_product(
    monkeypatch: pytest.MonkeyPatch, dense_from: int
) -> None:
    """Terms in ``dense_from`` or more candidates go through one dense product, the rest
    through a sparse one: every split gives each reader's own scores."""
    monkeypatch.setattr(model_module, "DENSE_MIN_PAPERS", dense_from)
    graphs, idf = graph_reader()
    speech = ReaderModel.fit(
        papers(SPEECH[:3], 1, idf),
        papers(OTHER[:1], 50, idf),
        papers(OTHER + GRAPHS[:2], 100, idf),
        papers(OTHER[::-1], 200, idf),
    )
    candidates = papers(GRAPHS[3:] + SPEECH[3:] + OTHER + GRAPHS[:2], 300, idf)
    readers = [graphs, speech, graphs]
    together = score_matrix(readers, candidates, block=2)  # blocks of unequal size
    assert together.shape == (3, len(candidates))
    for row, reader in zip(together, readers, strict=True):
        np.testing.assert_allclose(row, reader.score(candidates), rtol=1e-4, atol=1e-5)


def test_a_capped_dense_part_still_gives_each_readers_scores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graphs, idf = graph_reader()
    candidates = papers(GRAPHS + SPEECH + OTHER, 300, idf)
    shared = candidates.shared()
    assert shared.dense.shape[0] == len(candidates)
    monkeypatch.setattr(model_module, "DENSE_MIN_PAPERS", 1)
    monkeypatch.setattr(model_module, "DENSE_MAX_BYTES", 4 * len(candidates) * 3)
    candidates._shared = None
    assert candidates.shared().dense.shape[1] == 3  # room for three columns
    np.testing.assert_allclose(
        score_matrix([graphs], candidates)[0], graphs.score(candidates), rtol=1e-4, atol=1e-5
    )


def test_no_readers_or_no_candidates_score_nothing() -> None:
    graphs, idf = graph_reader()
    assert score_matrix([], papers(GRAPHS, 300, idf)).shape == (0, 4)
    none = papers(GRAPHS, 300, idf).take(np.zeros(0, dtype=np.int64))
    assert score_matrix([graphs], none).shape == (1, 0)
