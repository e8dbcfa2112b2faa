"""The search page: results with the query's words marked, filters, sort, pages, permalinks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from tests.web.factories import paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(indexed: Callable[[], int]) -> None:
    paper(
        arxiv_id="2501.00001",
        title="Graph neural networks for molecules",
        abstract="Message passing networks predict molecular properties.",
        authors=["Marie Curie"],
        categories=["cs.LG"],
        announced_on=dt.date(2024, 5, 1),
    )
    paper(
        arxiv_id="2501.00002",
        title="A survey of graph learning",
        abstract="We review graph representation learning, with code.",
        authors=["Alan Turing"],
        categories=["cs.AI"],
        announced_on=dt.date(2025, 2, 1),
        links=[{"kind": "github", "url": "https://github.com/example/graphs"}],
    )
    paper(arxiv_id="2501.00003", title="Protein folding", abstract="Unrelated biology.")
    indexed()


def test_results_mark_the_matching_words(client: Client, library: None):
    page = client.get("/search", {"q": "graph networks"}).content.decode()
    assert "<mark>Graph</mark> neural <mark>networks</mark> for molecules" in page
    assert "Protein folding" not in page
    assert 'class="permalink"' in page


def test_exact_title_comes_first(client: Client, library: None):
    page = client.get("/search", {"q": "A survey of graph learning"}).content.decode()
    assert page.index("2501.00002") < page.index("2501.00001")


@pytest.mark.parametrize(
    ("params", "present", "absent"),
    [
        ({"q": "graph", "cat": "cs.AI"}, "2501.00002", "2501.00001"),
        ({"q": "graph", "author": "Curie"}, "2501.00001", "2501.00002"),
        ({"q": "graph", "since": "2025-01-01"}, "2501.00002", "2501.00001"),
        ({"q": "graph", "until": "2024-12-31"}, "2501.00001", "2501.00002"),
        ({"q": "graph", "code": "1"}, "2501.00002", "2501.00001"),
        ({"q": "graph cat:cs.LG"}, "2501.00001", "2501.00002"),
    ],
)
def test_filters(client: Client, library: None, params: dict[str, str], present: str, absent: str):
    page = client.get("/search", params).content.decode()
    assert f'href="/papers/{present}"' in page
    assert f'href="/papers/{absent}"' not in page


def test_sort_newest(client: Client, library: None):
    page = client.get("/search", {"q": "graph", "sort": "newest"}).content.decode()
    assert page.index("/papers/2501.00002") < page.index("/papers/2501.00001")


def test_live_search_answers_htmx_with_the_results_only(client: Client, library: None):
    fragment = client.get("/search", {"q": "graph"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "/papers/2501.00001" in fragment


def test_an_arxiv_id_goes_straight_to_its_paper(client: Client, library: None):
    response = client.get("/search", {"q": "https://arxiv.org/abs/2501.00003v1"})
    assert (response.status_code, response["Location"]) == (302, "/papers/2501.00003")


def test_pages_have_permalinks(client: Client, indexed: Callable[[], int]):
    for n in range(45):
        paper(title=f"Graph study {n}", abstract="graph")
    indexed()
    page = client.get("/search", {"q": "graph", "mode": "lexical"}).content.decode()
    assert 'href="/search?q=graph&amp;mode=lexical&amp;page=2"' in page
    second = client.get("/search", {"q": "graph", "mode": "lexical", "page": "2"}).content.decode()
    assert "results 21–40" in second


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        'graph "unbalanced',
        "graph AND OR NOT ( ) * ^ ~ : NEAR",
        "'; DROP TABLE catalogue_paper; --",
        "graph\x00\x1b[31m\x07",
        "<script>alert(1)</script>",
        "cat: author: since:tomorrow until:2025-13-45",
        "",
        "   ",
    ],
)
def test_hostile_queries_get_a_page(client: Client, library: None, query: str):
    response = client.get("/search", {"q": query, "page": "-5", "sort": "sideways", "mode": "x"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()
