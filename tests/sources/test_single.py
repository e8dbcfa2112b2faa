"""Fetching one paper by id or URL, against real recorded API answers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from paperwire.sources.arxiv_api import ArxivApiError
from paperwire.sources.arxiv_ids import InvalidArxivId
from paperwire.sources.http import PoliteClient
from paperwire.sources.records import Source, Version
from paperwire.sources.single import PaperNotFound, fetch_paper
from tests.conftest import shared
from tests.replay import Endpoint, Reply, Request

pytestmark = pytest.mark.network_replay

# id_list as arXiv receives it -> the recorded answer to exactly that request.
RECORDED = {
    "1605.08386": ("id_list-1605.08386_start0-max100.xml", 200),
    "1707.08567": ("id_list-1707.08567_start0-max100.xml", 200),
    "2104.12255v1": ("id_list-2104.12255v1_start0-max100.xml", 200),
    "astro-ph/0601001": ("id_list-astro-ph_0601001_start0-max100.xml", 200),
    "quant-ph/0201082v1": ("id_list-quant-ph_0201082v1_start0-max100.xml", 200),
    "0808.05394": ("id_list-0808.05394_start0-max100.xml", 200),
    "0000.0000": ("id_list-0000.0000_start0-max100.xml", 200),
}


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(interval=0.0, retries=1, backoff=0.01, timeout=5.0) as c:
        yield c


@pytest.fixture
def arxiv(api: Endpoint) -> Endpoint:
    """An endpoint answering each recorded id look-up as arXiv did."""
    folder = shared("arxiv-api/api-2026")

    def answer(request: Request) -> Reply | None:
        recorded = RECORDED.get(request.params.get("id_list", ""))
        if recorded is None:
            return None
        name, status = recorded
        return Reply(status, (folder / name).read_bytes())

    api.route(answer)
    return api


@pytest.mark.parametrize(
    ("asked", "id_list", "arxiv_id"),
    [
        ("1605.08386", "1605.08386", "1605.08386"),
        ("  1605.08386\n", "1605.08386", "1605.08386"),
        ("arXiv:1605.08386", "1605.08386", "1605.08386"),
        ("https://arxiv.org/abs/1605.08386", "1605.08386", "1605.08386"),
        ("http://arxiv.org/pdf/1605.08386.pdf", "1605.08386", "1605.08386"),
        ("https://export.arxiv.org/abs/1707.08567/", "1707.08567", "1707.08567"),
        ("2104.12255v1", "2104.12255v1", "2104.12255"),
        ("https://arxiv.org/abs/2104.12255v1", "2104.12255v1", "2104.12255"),
        ("https://arxiv.org/pdf/2104.12255v1", "2104.12255v1", "2104.12255"),
        ("arxiv.org/pdf/2104.12255v1.pdf", "2104.12255v1", "2104.12255"),
        ("astro-ph/0601001", "astro-ph/0601001", "astro-ph/0601001"),
        ("https://arxiv.org/abs/astro-ph/0601001", "astro-ph/0601001", "astro-ph/0601001"),
        ("quant-ph/0201082v1", "quant-ph/0201082v1", "quant-ph/0201082"),
        ("https://arxiv.org/pdf/quant-ph/0201082v1", "quant-ph/0201082v1", "quant-ph/0201082"),
    ],
)
def test_every_id_and_url_form_asks_arxiv_for_that_paper(
    arxiv: Endpoint, client: PoliteClient, asked: str, id_list: str, arxiv_id: str
) -> None:
    record = fetch_paper(client, arxiv.url, asked)
    assert record.arxiv_id == arxiv_id
    assert record.source is Source.ARXIV_API
    (request,) = arxiv.requests
    assert request.params["id_list"] == id_list
    assert "search_query" not in request.params


def test_it_returns_the_whole_record(arxiv: Endpoint, client: PoliteClient) -> None:
    record = fetch_paper(client, arxiv.url, "https://arxiv.org/abs/1605.08386")
    assert record.title == "Heat-bath random walks with Markov bases"
    assert record.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert record.categories == ["math.CO", "math.ST"]
    assert record.comments == "20 pages, 3 figures"
    published = dt.datetime(2016, 5, 26, 17, 59, 46, tzinfo=dt.UTC)
    assert (record.published, record.versions) == (published, [Version(1, published)])


def test_a_versioned_id_gets_that_version(arxiv: Endpoint, client: PoliteClient) -> None:
    record = fetch_paper(client, arxiv.url, "quant-ph/0201082v1")
    assert record.title.startswith("Quantum Computers and Quantum Computer Languages")
    assert record.versions == [Version(1, dt.datetime(2002, 1, 18, 15, 8, 5, tzinfo=dt.UTC))]


@pytest.mark.parametrize("asked", ["0808.05394", "https://arxiv.org/abs/0808.05394", "0000.0000"])
def test_an_unknown_id_is_paper_not_found(
    arxiv: Endpoint, client: PoliteClient, asked: str
) -> None:
    expected = asked.rsplit("/", 1)[-1]
    with pytest.raises(PaperNotFound, match=f"^arXiv has no paper {re.escape(expected)}$"):
        fetch_paper(client, arxiv.url, asked)
    assert len(arxiv.requests) == 1


@pytest.mark.parametrize("asked", ["abc", "", "2401.1234567", "https://example.org/abs/2401.01234"])
def test_what_is_no_id_is_refused_before_any_request(
    arxiv: Endpoint, client: PoliteClient, asked: str
) -> None:
    with pytest.raises(InvalidArxivId, match=r"not an arXiv id or arxiv\.org URL"):
        fetch_paper(client, arxiv.url, asked)
    assert arxiv.requests == []


def test_an_error_feed_raises_arxiv_api_error(api: Endpoint, client: PoliteClient) -> None:
    # arXiv's real answer to id_list=abc, served for an id it might one day refuse too.
    error = shared("arxiv-api/api-2026/id_list-abc_start0-max100.xml").read_bytes()
    api.route(Reply(400, error))
    with pytest.raises(ArxivApiError, match="incorrect id format for abc"):
        fetch_paper(client, api.url, "2401.01234")


def test_an_unreadable_entry_is_a_value_error_saying_why(
    api: Endpoint, client: PoliteClient
) -> None:
    untitled = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry><id>http://arxiv.org/abs/2401.01234v1</id><title></title></entry>
</feed>"""
    api.route(Reply(body=untitled))
    with pytest.raises(ValueError, match=r"for 2401\.01234 is unusable: entry has no title"):
        fetch_paper(client, api.url, "2401.01234")
