"""One meaning per filter, everywhere: ``cat:`` and ``author:`` select the same papers in
keyword search, in semantic search (filtered inside the vector search, and after it), in a
digest topic and in a query's feed, on whichever database the suite runs on.

The rule (search.filters, catalogue.keys): ``cat:cs`` is the archive (every cs.*), ``cat:cs.LG``
that category alone, case folded; ``author:`` a whole name with case and accents folded, so
"Yang Li" never finds "Yang Liu" and "Ana Muller" finds "Ana Müller".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from paperwire.catalogue.periods import week_of
from paperwire.digests.compose import PeriodPapers
from paperwire.search import Filters, current_model_id, parse_query
from paperwire.search.backends import SearchBackend
from paperwire.search.backends import base as backend_base
from paperwire.search.documents import content_hash
from paperwire.search.models import Embedding
from tests.factories import paper

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2025, 3, 10)

# id: (authors, categories)
PAPERS = {
    "2503.00001": (["Yang Li", "Grace Hopper"], ["cs.LG", "stat.ML"]),
    "2503.00002": (["Yang Liu"], ["cs.CL"]),
    "2503.00003": (["Ana Müller"], ["math.CO", "cs.DM"]),
    "2503.00004": (["ANA MULLER"], ["stat.ML"]),
    "2503.00005": (["yang  li", "Ana Muller"], ["q-bio.NC"]),
    "2503.00006": (["Li Yang"], ["cs.LGX"]),  # not cs.LG, and not an archive's category
}

# query -> the papers it selects, by the rule
EXPECTED = {
    'author:"Yang Li"': {"2503.00001", "2503.00005"},
    'author:"YANG LI"': {"2503.00001", "2503.00005"},
    'author:"Yang Liu"': {"2503.00002"},
    'author:"Ana Muller"': {"2503.00003", "2503.00004", "2503.00005"},
    'author:"Ana Müller"': {"2503.00003", "2503.00004", "2503.00005"},
    "author:Yang": set(),
    'author:"Yang Li" author:"Ana Muller"': {"2503.00005"},
    "cat:cs": {"2503.00001", "2503.00002", "2503.00003", "2503.00006"},
    "cat:cs.LG": {"2503.00001"},
    "cat:CS.lg": {"2503.00001"},
    "cat:cs.L": set(),
    "cat:math": {"2503.00003"},
    "cat:q-bio": {"2503.00005"},
    "cat:stat.ML,q-bio.NC": {"2503.00001", "2503.00004", "2503.00005"},
    'author:"Yang Li" cat:cs': {"2503.00001"},
}
QUERIES = sorted(EXPECTED)
WORD = "graphs"  # in every paper's title: a topic or feed with words matches them all


@pytest.fixture
def catalogue(backend: SearchBackend) -> dict[str, int]:
    made = {}
    for n, (arxiv_id, (authors, categories)) in enumerate(sorted(PAPERS.items())):
        made[arxiv_id] = paper(
            arxiv_id,
            f"Learning on {WORD} number {n}",
            day=MONDAY + dt.timedelta(days=n % 5),
            authors=authors,
            categories=categories,
            primary_category=categories[0],
        ).pk
    backend.refresh_lexical()
    return made


@pytest.fixture
def embedded(catalogue: dict[str, int], sync_vectors: Callable[[str], int]) -> np.ndarray:
    """Every paper's vector close to one query vector, so meaning alone would take them all:
    only the filter decides."""
    model = current_model_id()
    rng = np.random.default_rng(3)
    centre = rng.standard_normal(64).astype(np.float32)
    centre /= np.linalg.norm(centre)
    now = timezone.now()
    for pk in catalogue.values():
        vector = centre + 0.05 * rng.standard_normal(64).astype(np.float32)
        vector /= np.linalg.norm(vector)
        Embedding.objects.create(
            paper_id=pk,
            model=model,
            content_hash=content_hash("", ""),
            vector=vector.astype(np.float32).tobytes(),
            encoded_at=now,
            checked_at=now,
        )
    sync_vectors(model)
    return centre


@pytest.mark.parametrize("raw", QUERIES)
def test_keyword_search_follows_the_rule(
    backend: SearchBackend, catalogue: dict[str, int], raw: str
) -> None:
    hits = backend.lexical(parse_query(raw), 50)
    assert {h.arxiv_id for h in hits} == EXPECTED[raw]


@pytest.mark.parametrize("raw", QUERIES)
def test_semantic_search_filtered_inside_the_vector_search_follows_the_rule(
    backend: SearchBackend, embedded: np.ndarray, raw: str
) -> None:
    hits = backend.nearest(embedded, 50, parse_query(raw).filters)
    assert {h.arxiv_id for h in hits} == EXPECTED[raw]


@pytest.mark.parametrize("raw", QUERIES)
def test_semantic_search_filtered_after_the_vector_search_follows_the_rule(
    backend: SearchBackend, embedded: np.ndarray, raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A filter admitting more papers than an exact scan takes is applied to the neighbours.
    monkeypatch.setattr(backend_base, "EXACT_FILTERED", 0)
    hits = backend.nearest(embedded, 50, parse_query(raw).filters)
    assert {h.arxiv_id for h in hits} == EXPECTED[raw]


@pytest.mark.parametrize("raw", QUERIES)
def test_a_digest_topic_follows_the_rule(catalogue: dict[str, int], raw: str) -> None:
    papers = PeriodPapers.load(week_of(MONDAY))
    by_pk = {pk: arxiv_id for arxiv_id, pk in catalogue.items()}
    for topic in (raw, f"{WORD} {raw}"):  # filters alone, and with a word
        matched = papers.pool.match([topic], None)[topic]
        assert {by_pk[pk] for pk in matched} == EXPECTED[raw], topic


@pytest.mark.parametrize("raw", QUERIES)
def test_a_querys_feed_follows_the_rule(
    catalogue: dict[str, int], client: Client, raw: str
) -> None:
    answer = client.get("/feeds/search.rss", {"q": f"{WORD} {raw}"})
    assert answer.status_code == 200
    listed = set(re.findall(r"https://arxiv.org/abs/([0-9.]+)</guid>", answer.content.decode()))
    assert listed == EXPECTED[raw]


def test_the_python_rule_is_what_the_engines_follow() -> None:
    """``Filters.admits`` over a paper's stored terms is the rule written once."""
    yang_li = paper("2503.00101", authors=["Yáng LI"], categories=["cs.LG"])
    assert Filters(authors=["yang li"]).admits(set(yang_li.match_keys), yang_li.announced_on, False)
    assert not Filters(authors=["Yang Liu"]).admits(set(yang_li.match_keys), None, False)
    assert Filters(categories=["cs"]).admits(set(yang_li.match_keys), None, False)
    assert not Filters(categories=["cs.CL"]).admits(set(yang_li.match_keys), None, False)
