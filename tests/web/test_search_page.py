"""The search page: results with the query's words marked, filters, sort, pages, permalinks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from paperwire.web.highlight import excerpt, highlight, highlighted_excerpt, stems
from tests.factories import paper

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
        ({"q": "graph", "author": "marie CURIE"}, "2501.00001", "2501.00002"),
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


def excerpt_of(page: str) -> str:
    return page.split('<p class="excerpt math">', 1)[1].split("</p>", 1)[0]


def test_an_excerpt_reads_latex_as_text_and_keeps_hostile_text_escaped(
    client: Client, indexed: Callable[[], int]
):
    paper(
        arxiv_id="2501.00011",
        title="Graph bounds",
        abstract=r"We give \textbf{bold} bounds for \emph{x} and $\alpha$. "
        "<script>alert(1)</script>",
    )
    indexed()
    page = client.get("/search", {"q": "bold"}).content.decode()
    shown = excerpt_of(page)
    assert shown == (
        "We give <mark>bold</mark> bounds for x and α. &lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert "<script>alert(1)" not in page


def test_a_long_excerpt_cuts_no_formula_in_two():
    formula = "$" + " + ".join(f"a_{i}" for i in range(1, 45)) + "$"
    abstract = "Filler words here. " * 40 + formula + " bounds every graph. " + "More. " * 80
    shown = excerpt(abstract, stems(["graph"]))
    assert shown.startswith("… ")
    assert shown.endswith(" …")
    # a window starting inside the formula would read the words after it as maths, glued
    assert " bounds every graph. More." in shown
    assert "$" not in shown
    assert "\\" not in shown


def test_a_title_keeps_its_maths_whole_for_katex():
    title = r"Bounds on $\alpha$-divergences for alpha"
    assert highlight(title, stems(["alpha"])) == (
        r"Bounds on $\alpha$-divergences for <mark>alpha</mark>"
    )


def test_a_literal_dollar_in_an_excerpt_cannot_pair_into_a_formula():
    shown = highlighted_excerpt(r"It costs \$5 and \$10 per graph.", stems(["graph"]))
    assert shown == "It costs <span>$</span>5 and <span>$</span>10 per <mark>graph</mark>."
