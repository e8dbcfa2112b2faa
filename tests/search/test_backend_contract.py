"""The contract every search backend keeps, run against whichever ``get_backend()`` picks.

The same tests run on SQLite (tantivy + an ANN file) and on PostgreSQL (full text +
pgvector, ``make test-pgvector``). They use only the ``SearchBackend`` interface, the query
parser and the catalogue models, so a backend passes them or it is not done.

Vector tests skip, saying why, when the database has no vector support (PostgreSQL without
pgvector) — except under PAPERWIRE_TEST_PGVECTOR=1, where they must run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.search.backends import IndexUnavailable, SearchBackend
from paperwire.search.backends.base import BackendStatus
from paperwire.search.documents import content_hash
from paperwire.search.embeddings import current_model_id
from paperwire.search.hits import Hit
from paperwire.search.models import Embedding
from paperwire.search.query import Sort, parse_query

pytestmark = pytest.mark.django_db

Sync = Callable[[str], int]
Vectors = npt.NDArray[np.float32]

# -- a small, awkward catalogue ------------------------------------------------------------

GITHUB = [{"kind": "github", "url": "https://github.com/example/moe"}]
GITLAB = [{"kind": "gitlab", "url": "https://gitlab.com/example/diffusion"}]
NOT_CODE = [{"kind": "project", "url": "https://example.org/graphs"}]
MOE_TITLE = "Sparse Mixture of Experts for Language Models"


@dataclass(frozen=True)
class Spec:
    arxiv_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    day: dt.date | None
    links: list[dict[str, str]]
    hidden: bool = False


SPECS = [
    Spec(
        "2401.00001",
        MOE_TITLE,
        "We route each token to a few experts chosen by a learned gate and train at scale.",
        ["Ada Lovelace", "Alan Turing"],
        ["cs.CL", "cs.LG"],
        dt.date(2024, 1, 10),
        GITHUB,
    ),
    Spec(
        "2401.00002",
        "Neural Networks on Molecular Graphs",
        "Message passing over atoms and bonds predicts the properties of small molecules.",
        ["Grace Hopper"],
        ["cs.LG", "q-bio.BM"],
        dt.date(2024, 2, 5),
        NOT_CODE,
    ),
    Spec(
        "2401.00003",
        "Robust <img src=x onerror=alert(1)> Image Classification",
        "Adversarial training makes classifiers robust to small perturbations of the pixels.",
        ["Mallory Example"],
        ["cs.CV"],
        dt.date(2023, 11, 20),
        [],
    ),
    Spec(
        "2401.00004",
        "Diffusion Models for Audio Synthesis",
        "A denoising model generates waveforms from text prompts at high fidelity.",
        ["José García", "Zoë Müller", "李小龙"],
        ["cs.SD", "cs.LG"],
        dt.date(2024, 3, 1),
        GITLAB,
    ),
    Spec(  # hidden by a moderator: must never come back, whatever matches
        "2401.00005",
        MOE_TITLE + " Revisited",
        "Hidden copy: sparse mixture of experts routing tokens for language models.",
        ["Ada Lovelace"],
        ["cs.CL", "cs.LG"],
        dt.date(2024, 4, 1),
        GITHUB,
        hidden=True,
    ),
    Spec(  # the word once in the title ...
        "2401.00006",
        "Zebrafish Locomotion Tracking",
        "We record larvae movement with cameras and measure swimming speed across trials.",
        ["Rosalind Franklin"],
        ["q-bio.NC"],
        dt.date(2023, 6, 1),
        [],
    ),
    Spec(  # ... and once in an abstract of the same length
        "2401.00007",
        "Larvae Locomotion Tracking",
        "We record zebrafish movement with cameras and measure swimming speed across trials.",
        ["Barbara McClintock"],
        ["q-bio.NC"],
        dt.date(2023, 7, 1),
        [],
    ),
    Spec(  # both words of "neural network", neither adjacent nor in order
        "2401.00008",
        "Network Models of Cortical Neural Oscillators",
        "Coupled oscillators in a cortical column synchronise under weak coupling.",
        ["Santiago Ramón y Cajal"],
        ["q-bio.NC", "cs.LG"],
        dt.date(2023, 9, 15),
        [],
    ),
    Spec(
        "2401.00009",
        "Social Network Formation and Neural Dynamics",
        "Friendship ties form faster among people with similar neural dynamics in a study.",
        ["Émilie du Châtelet"],
        ["cs.SI"],
        None,  # no known day: sorts last when newest first
        [],
    ),
]


def _create(spec: Spec) -> Paper:
    return Paper.objects.create(
        arxiv_id=spec.arxiv_id,
        title=spec.title,
        abstract=spec.abstract,
        authors=spec.authors,
        categories=spec.categories,
        primary_category=spec.categories[0],
        announced_on=spec.day,
        links=spec.links,
        hidden=spec.hidden,
    )


@pytest.fixture
def catalogue(backend: SearchBackend) -> dict[str, Paper]:
    papers = {spec.arxiv_id: _create(spec) for spec in SPECS}
    backend.refresh_lexical()
    return papers


def search(
    backend: SearchBackend, raw: str, limit: int = 50, sort: Sort = Sort.RELEVANCE
) -> list[str]:
    return [hit.arxiv_id for hit in backend.lexical(parse_query(raw), limit, sort)]


VISIBLE = [spec for spec in SPECS if not spec.hidden]


def newest_first(specs: list[Spec]) -> list[str]:
    """Newest first, papers without a day last (the order a no-words query returns)."""
    dated = sorted((s for s in specs if s.day), key=lambda s: s.day or dt.date.min, reverse=True)
    return [s.arxiv_id for s in dated] + [s.arxiv_id for s in specs if s.day is None]


# -- lexical: matching and ranking ---------------------------------------------------------


def test_exact_title_ranks_that_paper_first(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    assert search(backend, MOE_TITLE)[0] == "2401.00001"
    assert search(backend, "Diffusion Models for Audio Synthesis")[0] == "2401.00004"


def test_hits_are_hits_best_first(backend: SearchBackend, catalogue: dict[str, Paper]) -> None:
    hits = backend.lexical(parse_query("locomotion tracking zebrafish"), 10)
    assert hits
    assert all(isinstance(hit, Hit) and isinstance(hit.score, float) for hit in hits)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_words_are_ored(backend: SearchBackend, catalogue: dict[str, Paper]) -> None:
    found = set(search(backend, "zebrafish diffusion"))
    assert {"2401.00004", "2401.00006", "2401.00007"} <= found
    assert "2401.00001" not in found


def test_a_phrase_matches_only_adjacent_words(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    assert search(backend, '"neural network"') == ["2401.00002"]
    # The same words unquoted match every paper that has either.
    assert {"2401.00002", "2401.00008", "2401.00009"} <= set(search(backend, "neural network"))


def test_a_title_match_outranks_an_abstract_match(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    assert search(backend, "zebrafish") == ["2401.00006", "2401.00007"]


def test_author_names_are_searchable_words(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    assert search(backend, "Lovelace")[0] == "2401.00001"
    assert search(backend, "García")[0] == "2401.00004"


def test_markup_in_a_title_is_just_words(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    assert search(backend, "onerror")[0] == "2401.00003"
    assert search(backend, "<img src=x onerror=alert(1)>")[0] == "2401.00003"


def test_limit_is_respected(backend: SearchBackend, catalogue: dict[str, Paper]) -> None:
    assert len(search(backend, "cat:cs.LG", limit=2)) == 2
    assert len(search(backend, "neural network", limit=1)) == 1


# -- lexical: filters ------------------------------------------------------------------------


def test_category_filter_matches_any_listed_category(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    assert set(search(backend, "cat:cs.SD")) == {"2401.00004"}
    assert set(search(backend, "cat:cs.CV,cs.SI")) == {"2401.00003", "2401.00009"}
    # An archive means all its categories; a category only itself; case is folded.
    assert set(search(backend, "cat:cs")) == {
        "2401.00001", "2401.00002", "2401.00003", "2401.00004", "2401.00008", "2401.00009",
    }  # fmt: skip
    assert set(search(backend, "cat:q-bio")) == {
        "2401.00002", "2401.00006", "2401.00007", "2401.00008",
    }  # fmt: skip
    assert search(backend, "cat:CS.sd") == ["2401.00004"]
    assert search(backend, "cat:cs.S") == []  # a prefix of a name is not an archive
    # With words: both apply.
    assert search(backend, "models cat:cs.SD") == ["2401.00004"]


def test_author_filter(backend: SearchBackend, catalogue: dict[str, Paper]) -> None:
    assert search(backend, 'author:"Ada Lovelace"') == ["2401.00001"]
    assert search(backend, 'author:"alan  TURING"') == ["2401.00001"]
    assert search(backend, 'author:"José García"') == ["2401.00004"]
    # Accents and case are folded, on either side.
    assert search(backend, 'author:"Zoe Muller"') == ["2401.00004"]
    assert search(backend, 'author:"emilie du chatelet"') == ["2401.00009"]
    assert search(backend, "au:李小龙") == ["2401.00004"]
    # A name is whole: a surname alone, or a part of a name, is not an author.
    assert search(backend, "author:Turing") == []
    assert search(backend, 'author:"Zoë Müll"') == []
    assert search(backend, "author:Nobody") == []
    # A word of the title is not an author.
    assert search(backend, "author:Diffusion") == []
    # Several author filters must all match.
    assert search(backend, 'author:"Ada Lovelace" author:"Alan Turing"') == ["2401.00001"]
    assert search(backend, 'author:"Ada Lovelace" author:"Grace Hopper"') == []


def test_date_filters(backend: SearchBackend, catalogue: dict[str, Paper]) -> None:
    assert search(backend, "since:2024-02-01") == ["2401.00004", "2401.00002"]
    assert set(search(backend, "cat:q-bio.NC until:2023-08")) == {"2401.00006", "2401.00007"}
    assert search(backend, "since:2023-07-01 until:2023-10-01") == ["2401.00008", "2401.00007"]
    assert search(backend, "locomotion since:2023-06-15") == ["2401.00007"]


def test_has_code_filter(backend: SearchBackend, catalogue: dict[str, Paper]) -> None:
    # github and gitlab count; a project page does not; the hidden paper never appears.
    assert search(backend, "has:code") == ["2401.00004", "2401.00001"]
    assert set(search(backend, "models has:code")) == {"2401.00001", "2401.00004"}
    assert search(backend, "graphs has:code") == []


def test_filters_combine(backend: SearchBackend, catalogue: dict[str, Paper]) -> None:
    assert search(backend, "cat:cs.LG has:code since:2024-02-01") == ["2401.00004"]
    assert search(backend, "models cat:cs.LG has:code until:2024-01-31") == ["2401.00001"]
    assert search(backend, 'author:"Grace Hopper" cat:cs.LG since:2024') == ["2401.00002"]
    assert search(backend, 'author:"Grace Hopper" cat:cs.CV') == []


def test_no_words_returns_filter_matches_newest_first(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    expected = newest_first([s for s in VISIBLE if "cs.LG" in s.categories])
    assert search(backend, "cat:cs.LG") == expected
    assert search(backend, "cat:q-bio.NC,cs.SI") == newest_first(
        [s for s in VISIBLE if {"q-bio.NC", "cs.SI"} & set(s.categories)]
    )


def test_sort_newest_orders_matches_by_day(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    found = search(backend, "neural network locomotion", sort=Sort.NEWEST)
    assert found == ["2401.00002", "2401.00008", "2401.00007", "2401.00006", "2401.00009"]
    by_relevance = search(backend, "zebrafish")
    assert search(backend, "zebrafish", sort=Sort.NEWEST) == list(reversed(by_relevance))


# -- lexical: hidden papers ------------------------------------------------------------------


def test_hidden_papers_are_never_returned(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    queries = [
        MOE_TITLE,
        "Revisited",
        "hidden copy",
        'author:"Ada Lovelace"',
        "cat:cs.CL",
        "has:code",
    ]
    for raw in queries:
        for sort in Sort:
            assert "2401.00005" not in search(backend, raw, sort=sort), (raw, sort)


def test_a_paper_hidden_later_disappears_after_refresh(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    paper = catalogue["2401.00001"]
    assert search(backend, "Lovelace")[0] == "2401.00001"
    paper.hidden = True
    paper.save()  # as moderation does: through the model, so modified_at moves
    backend.refresh_lexical()
    for raw in (MOE_TITLE, "Lovelace", "cat:cs.CL", "has:code"):
        assert "2401.00001" not in search(backend, raw), raw
    paper.hidden = False
    paper.save()
    backend.refresh_lexical()
    assert search(backend, MOE_TITLE)[0] == "2401.00001"


def test_an_edited_title_is_found_after_refresh(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    paper = catalogue["2401.00003"]
    paper.title = "Certified Robustness via Randomised Smoothing"
    paper.save()
    backend.refresh_lexical()
    assert search(backend, "smoothing") == ["2401.00003"]
    assert "2401.00003" not in search(backend, "onerror")


# -- lexical: hostile input ------------------------------------------------------------------

HOSTILE = [
    "'; DROP TABLE catalogue_paper; --",
    "title:foo OR (bar",
    "NEAR(a b)",
    "*",
    "foo* AND bar~2 OR -baz^3",
    "a & !b | c:* <-> d <2> e",
    "\x00\x01\x02\x1b[31m\x7f\u200b\ufeff",
    "x" * 10_000,
    "neural " * 2_000,
    '"unbalanced phrase',
    '""',
    '" "',
    "'",
    "\\",
    "%_%",
    "author:\"O'Brien\" cat:'; --",
    "author:% cat:%",
    "since:9999-99-99 until:0000 has:everything",
    "cat:,,,",
    "{}[]()<>:;|&!~^*?",
    "🧪🔬 ∑∫ مرحبا שלום",
    "\u202egnp.exe",
    "ａｂｃ ＤＲＯＰ",  # fullwidth: NFKC turns it into ASCII words
    "é" * 500,
    "word-with-dashes o'brien o’brien cs.LG 1e-5 3.14",
    "2401.00001 2401.00002",
    "title:(a OR b) AND abstract:[x TO y]",
    "$1 ? :name %(x)s %s {0}",
]


@pytest.mark.parametrize("raw", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_queries_never_raise(
    backend: SearchBackend, catalogue: dict[str, Paper], raw: str
) -> None:
    parsed = parse_query(raw)
    for sort in Sort:
        hits = backend.lexical(parsed, 20, sort)
        assert isinstance(hits, list)
        assert all(isinstance(hit, Hit) for hit in hits)
        assert "2401.00005" not in [hit.arxiv_id for hit in hits]
    # And the catalogue is still there, untouched.
    assert Paper.objects.count() == len(SPECS)
    assert search(backend, MOE_TITLE)[0] == "2401.00001"


# -- vectors ---------------------------------------------------------------------------------

DIM = 64  # wide enough that an int8 index's scaling does not clip unit-vector components
N_VECTORS = 500


def unit_vectors(n: int, seed: int) -> Vectors:
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((n, DIM)).astype(np.float32)
    unit: Vectors = (raw / np.linalg.norm(raw, axis=1, keepdims=True)).astype(np.float32)
    return unit


def embed(paper: Paper, vector: Vectors, model: str) -> Embedding:
    now = timezone.now()
    return Embedding(
        paper=paper,
        model=model,
        content_hash=content_hash(paper.title, paper.abstract),
        vector=np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
        encoded_at=now,
        checked_at=now,
    )


@dataclass
class Embedded:
    papers: list[Paper]
    vectors: Vectors
    model: str

    def index_of(self, arxiv_id: str) -> int:
        return [p.arxiv_id for p in self.papers].index(arxiv_id)


@pytest.fixture
def embedded(backend: SearchBackend) -> Embedded:
    """N_VECTORS papers with deterministic random unit vectors from the current model."""
    model = current_model_id()
    day = dt.date(2024, 5, 1)
    Paper.objects.bulk_create(
        Paper(
            arxiv_id=f"2405.{i:05d}",
            title=f"Synthetic paper {i}",
            abstract=f"Abstract number {i}.",
            categories=["cs.LG"],
            announced_on=day,
        )
        for i in range(N_VECTORS)
    )
    papers = list(Paper.objects.filter(arxiv_id__startswith="2405.").order_by("arxiv_id"))
    vectors = unit_vectors(N_VECTORS, seed=7)
    Embedding.objects.bulk_create(embed(p, v, model) for p, v in zip(papers, vectors, strict=True))
    return Embedded(papers, vectors, model)


def exact_top(
    embedded: Embedded, query: Vectors, k: int, skip: set[str] | None = None
) -> list[str]:
    order = np.argsort(-(embedded.vectors @ query), kind="stable")
    ids = [
        embedded.papers[i].arxiv_id
        for i in order
        if embedded.papers[i].arxiv_id not in (skip or set())
    ]
    return ids[:k]


def test_nearest_without_an_index_is_unavailable(backend: SearchBackend) -> None:
    with pytest.raises(IndexUnavailable):
        backend.nearest(unit_vectors(1, seed=1)[0], 10)


def test_nearest_of_a_stored_vector_is_that_paper(
    backend: SearchBackend, embedded: Embedded, sync_vectors: Sync
) -> None:
    assert sync_vectors(embedded.model) == N_VECTORS
    for i in (0, 1, 137, 499):
        hits = backend.nearest(embedded.vectors[i], 10)
        assert len(hits) == 10
        assert hits[0].arxiv_id == embedded.papers[i].arxiv_id
        assert hits[0].score == pytest.approx(1.0, abs=0.02)
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(-1.01 <= score <= 1.01 for score in scores)
        assert len({hit.arxiv_id for hit in hits}) == 10


def test_nearest_recall_against_exact_search(
    backend: SearchBackend, embedded: Embedded, sync_vectors: Sync
) -> None:
    sync_vectors(embedded.model)
    queries = unit_vectors(25, seed=99)
    recalls = []
    for query in queries:
        truth = set(exact_top(embedded, query, 10))
        found = {hit.arxiv_id for hit in backend.nearest(query, 10)}
        recalls.append(len(truth & found) / 10)
    assert float(np.mean(recalls)) >= 0.9, recalls


def test_a_second_sync_with_nothing_new_adds_nothing_wrong(
    backend: SearchBackend, embedded: Embedded, sync_vectors: Sync
) -> None:
    sync_vectors(embedded.model)
    sync_vectors(embedded.model)  # may re-add recent rows (a watermark overlap), never duplicate
    hits = backend.nearest(embedded.vectors[3], 20)
    assert hits[0].arxiv_id == embedded.papers[3].arxiv_id
    assert len({hit.arxiv_id for hit in hits}) == len(hits) == 20


def test_a_changed_embedding_is_picked_up_by_the_next_sync(
    backend: SearchBackend, embedded: Embedded, sync_vectors: Sync
) -> None:
    sync_vectors(embedded.model)
    paper = embedded.papers[42]
    old = embedded.vectors[42]
    new = unit_vectors(1, seed=4242)[0]
    # As the embedding job does after a title change: new text, new vector, new time.
    paper.title = "Synthetic paper 42, retitled"
    paper.save()
    Embedding.objects.filter(paper=paper).delete()
    later = embed(paper, new, embedded.model)
    later.encoded_at = later.checked_at = timezone.now() + dt.timedelta(seconds=1)
    later.save()
    assert sync_vectors(embedded.model) >= 1
    hits = backend.nearest(new, 5)
    assert hits[0].arxiv_id == paper.arxiv_id
    assert hits[0].score == pytest.approx(1.0, abs=0.02)
    old_hits = backend.nearest(old, 5)
    assert not (old_hits[0].arxiv_id == paper.arxiv_id and old_hits[0].score > 0.98)


def test_a_paper_hidden_after_sync_disappears_after_the_next_sync(
    backend: SearchBackend, embedded: Embedded, sync_vectors: Sync
) -> None:
    sync_vectors(embedded.model)
    paper = embedded.papers[7]
    paper.hidden = True
    paper.save()
    sync_vectors(embedded.model)
    hits = backend.nearest(embedded.vectors[7], 20)
    assert paper.arxiv_id not in {hit.arxiv_id for hit in hits}
    # Approximate indexes may swap near-ties: the best remaining paper is among the top three.
    assert hits[0].arxiv_id in exact_top(embedded, embedded.vectors[7], 3, skip={paper.arxiv_id})


def test_a_paper_hidden_before_the_first_sync_is_never_indexed(
    backend: SearchBackend, embedded: Embedded, sync_vectors: Sync
) -> None:
    paper = embedded.papers[8]
    paper.hidden = True
    paper.save()
    assert sync_vectors(embedded.model) == N_VECTORS - 1
    hits = backend.nearest(embedded.vectors[8], 20)
    assert paper.arxiv_id not in {hit.arxiv_id for hit in hits}


def test_rebuild_gives_the_same_answers(
    backend: SearchBackend, embedded: Embedded, sync_vectors: Sync
) -> None:
    sync_vectors(embedded.model)
    queries = [embedded.vectors[i] for i in (5, 50, 250)] + list(unit_vectors(5, seed=5))
    before = [backend.nearest(q, 10) for q in queries]
    assert backend.rebuild_vectors(embedded.model) == N_VECTORS
    after = [backend.nearest(q, 10) for q in queries]
    for first, second in zip(before, after, strict=True):
        assert first[0].arxiv_id == second[0].arxiv_id
        # Both are approximate: allow a near-tie at the edge of the top ten to swap.
        assert len({h.arxiv_id for h in first} & {h.arxiv_id for h in second}) >= 9


def test_a_graph_built_with_other_parameters_is_rebuilt_by_the_next_sync(
    backend: SearchBackend,
    embedded: Embedded,
    sync_vectors: Sync,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paperwire.search import vectors
    from paperwire.search.backends import postgres

    sync_vectors(embedded.model)
    # The code now asks for other graph parameters than the index was built with.
    monkeypatch.setattr(vectors, "HNSW_M", vectors.HNSW_M + 8)
    monkeypatch.setattr(postgres, "HNSW_M", postgres.HNSW_M + 8)
    problems = backend.status().problems
    assert isinstance(problems, list)
    assert any("other parameters" in p for p in problems), problems
    assert sync_vectors(embedded.model) == N_VECTORS  # rebuilt, not grown
    problems = backend.status().problems
    assert isinstance(problems, list)
    assert not any("other parameters" in p for p in problems)
    hits = backend.nearest(embedded.vectors[3], 1)
    assert hits[0].arxiv_id == embedded.papers[3].arxiv_id


def test_sync_of_a_model_with_no_embeddings_adds_nothing(
    backend: SearchBackend, sync_vectors: Sync
) -> None:
    assert sync_vectors(current_model_id()) == 0


def test_status_has_one_shape_for_every_backend(
    backend: SearchBackend, catalogue: dict[str, Paper]
) -> None:
    status = backend.status()
    assert isinstance(status, BackendStatus)
    assert status.backend == backend.name
    assert isinstance(status.vectors, int)
    assert isinstance(status.problems, list)
    assert all(isinstance(problem, str) for problem in status.problems)
    assert set(status.as_dict()) == {
        "backend", "lexical_documents", "vectors", "vector_model", "problems", "details",
    }  # fmt: skip
