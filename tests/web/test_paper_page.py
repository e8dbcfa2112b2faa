"""A paper's page: abstract with maths left for KaTeX, authors, links, versions, BibTeX."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from paperwire.web.bibtex import bibtex
from tests.factories import paper

pytestmark = pytest.mark.django_db


def test_the_page_holds_everything_about_the_paper(client: Client):
    paper(
        arxiv_id="2501.00100",
        title=r"Bounds on $\alpha$-divergences",
        abstract=r"We prove $\sum_i x_i \le 1$ for all inputs.",
        authors=["Émile Borel", "Kurt Gödel"],
        categories=["math.PR", "cs.IT"],
        latest_version=2,
        versions=[
            {"version": 1, "created": "2025-01-10T10:00:00Z"},
            {"version": 2, "created": "2025-01-20T10:00:00Z"},
        ],
        published=dt.datetime(2025, 1, 10, tzinfo=dt.UTC),
        doi="10.1000/xyz",
        links=[{"kind": "github", "url": "https://github.com/example/bounds"}],
    )
    page = client.get("/papers/2501.00100").content.decode()
    for needle in (
        r"Bounds on $\alpha$-divergences",
        r"$\sum_i x_i \le 1$",
        'href="/authors/%C3%89mile%20Borel"',
        "https://arxiv.org/abs/2501.00100v1",
        "https://arxiv.org/pdf/2501.00100",
        "https://github.com/example/bounds",
        "@misc{borel2025bounds,",
        "eprint = {2501.00100}",
        "doi:10.1000/xyz",
        "/static/vendor/katex/katex.min.js",
        "Similar papers",
        'hx-get="/papers/2501.00100/similar"',
    ):
        assert needle in page, needle
    assert "cdn" not in page.lower()


def test_a_version_or_url_spelling_redirects_to_the_one_address(client: Client):
    paper(arxiv_id="2501.00100")
    response = client.get("/papers/2501.00100v3")
    assert (response.status_code, response["Location"]) == (301, "/papers/2501.00100")


def test_old_style_ids_have_pages(client: Client):
    paper(arxiv_id="hep-th/9901001", title="Strings")
    assert "Strings" in client.get("/papers/hep-th/9901001").content.decode()


def test_an_unknown_paper_offers_to_submit_it(client: Client):
    response = client.get("/papers/2501.99999")
    assert response.status_code == 404
    assert 'href="/submit?paper=2501.99999"' in response.content.decode()
    assert client.get("/papers/'; DROP TABLE catalogue_paper; --").status_code == 404


def test_hostile_text_is_text(client: Client):
    paper(
        arxiv_id="2501.00101",
        title="<img src=x onerror=alert(1)>",
        abstract="</p><script>alert(1)</script>",
        comments='"><svg onload=alert(1)>',
        links=[{"kind": "project", "url": "javascript:alert(1)"}],
    )
    page = client.get("/papers/2501.00101").content.decode()
    assert "<img src=x" not in page
    assert "<script>alert(1)" not in page
    assert "<svg onload" not in page
    assert "javascript:" not in page


def test_bibtex_keeps_braces_balanced():
    entry = bibtex(paper(title="An {unbalanced} brace } here {", authors=["A. {Person"]))
    assert entry.count("{") == entry.count("}")


def test_similar_papers_come_as_a_fragment_or_a_page(client: Client):
    paper(arxiv_id="2501.00100", title="Graph networks")
    fragment = client.get("/papers/2501.00100/similar", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    page = client.get("/papers/2501.00100/similar").content.decode()
    assert "Papers similar to" in page
    assert client.get("/papers/2501.99999/similar").status_code == 404
