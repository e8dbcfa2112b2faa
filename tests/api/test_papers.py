"""A paper, similar papers, and what every answer is: JSON, paper text verbatim, never HTML."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_paper_in_its_own_shape(client: Client, make_paper):
    make_paper(
        arxiv_id="2401.01234",
        title="Attention",
        latest_version=2,
        daily_date=dt.date(2025, 1, 3),
        upvotes=5,
        votes=2,
        links=[{"kind": "github", "url": "https://github.com/a/b"}],
    )
    response = client.get("/api/papers/2401.01234")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "2401.01234"
    assert body["title"] == "Attention"
    assert body["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert body["categories"] == ["cs.LG", "stat.ML"]
    assert body["primary_category"] == "cs.LG"
    assert body["published"].startswith("2025-01-01T12:00:00")
    assert body["day"] == "2025-01-03"  # the day it was submitted to wins
    assert body["upvotes"] == 7  # imported plus this site's
    assert body["links"] == [{"kind": "github", "url": "https://github.com/a/b"}]
    assert body["url"] == "/papers/2401.01234"
    assert body["arxiv_url"] == "https://arxiv.org/abs/2401.01234"
    assert body["pdf_url"] == "https://arxiv.org/pdf/2401.01234"
    assert body["code_url"] == "https://github.com/a/b"


def test_a_versioned_id_or_url_names_the_paper(client: Client, make_paper):
    make_paper(arxiv_id="2401.01234")
    assert client.get("/api/papers/2401.01234v2").json()["id"] == "2401.01234"
    url = client.get("/api/papers/arxiv.org/abs/2401.01234v1")
    assert url.status_code == 200
    assert url.json()["id"] == "2401.01234"


def test_an_old_style_id_holds_a_slash(client: Client, make_paper):
    make_paper(arxiv_id="hep-th/9901001", title="Old")
    response = client.get("/api/papers/hep-th/9901001")
    assert response.status_code == 200
    assert response.json()["title"] == "Old"
    assert client.get("/api/papers/hep-th/9901001v3").json()["id"] == "hep-th/9901001"


@pytest.mark.parametrize("path", ["2501.99999", "hep-th/9901009", "junk", "2501.0000x", "%00"])
def test_an_unknown_paper_is_a_json_404(client: Client, path):
    response = client.get(f"/api/papers/{path}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_hidden_paper_is_not_there(client: Client, make_paper):
    make_paper(arxiv_id="2501.00042", hidden=True)
    assert client.get("/api/papers/2501.00042").status_code == 404


def test_paper_text_is_returned_verbatim_as_json_strings(client: Client, make_paper):
    title = "<img src=x onerror=alert(1)>"
    make_paper(
        arxiv_id="2501.00001",
        title=title,
        abstract='</script><script>alert("2")</script> & "quotes"',
        authors=["<b>Bold</b>"],
    )
    response = client.get("/api/papers/2501.00001")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["title"] == title
    assert body["abstract"] == '</script><script>alert("2")</script> & "quotes"'
    assert body["authors"] == ["<b>Bold</b>"]
    # Not HTML-escaped, and not HTML: a JSON string as the serializer wrote it.
    assert b"<img src=x onerror=alert(1)>" in response.content
    assert b"&lt;" not in response.content


def test_similar_papers_exclude_the_paper_itself(client: Client, make_paper, backend):
    make_paper(arxiv_id="2501.00001", title="Graph neural networks for molecules")
    make_paper(arxiv_id="2501.00002", title="Graph neural networks for proteins")
    make_paper(arxiv_id="2501.00003", title="A history of medieval trade routes")
    backend.refresh_lexical()
    response = client.get("/api/papers/2501.00001/similar", {"limit": "5"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "2501.00001"
    assert body["mode"] == "lexical"  # no embeddings in this test: by shared words, and it says so
    assert body["notes"]
    ids = [r["id"] for r in body["results"]]
    assert ids[0] == "2501.00002"
    assert "2501.00001" not in ids
    assert all(isinstance(r["score"], float) for r in body["results"])


def test_similar_works_for_old_style_ids_and_refuses_unknown_ones(
    client: Client, make_paper, backend
):
    make_paper(arxiv_id="hep-th/9901001", title="String theory dualities")
    backend.refresh_lexical()
    assert client.get("/api/papers/hep-th/9901001/similar").status_code == 200
    missing = client.get("/api/papers/hep-th/9901002/similar")
    assert missing.status_code == 404
    assert "not in the catalogue" in missing.json()["detail"]


@pytest.mark.parametrize("limit", ["0", "-1", "51", "1e9", "x", "99999999999999999999999"])
def test_similar_limits_are_checked(client: Client, make_paper, limit):
    make_paper(arxiv_id="2501.00001")
    response = client.get("/api/papers/2501.00001/similar", {"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]
