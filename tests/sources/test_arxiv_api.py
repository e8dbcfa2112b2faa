"""The arXiv API source, against real recorded answers (../shared/data/arxiv-api)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from paperwire.sources.arxiv_api import (
    ArxivApiError,
    ArxivApiStream,
    FeedPage,
    category_query,
    harvest_category,
    parse_feed,
)
from paperwire.sources.http import FetchError, PoliteClient
from paperwire.sources.records import PaperRecord, RecordStream, Rejected, Source, Version
from paperwire.sources.xml import BadXml
from tests.conftest import shared
from tests.replay import Endpoint, Reply

UTC = dt.UTC

# Every recorded answer: (file, HTTP status, entries, opensearch:totalResults), from the README.
FILES = [
    ("api-2026/id_list-0000.0000_start0-max100.xml", 200, 0, 0),
    ("api-2026/id_list-0808.05394+1707.08567_start0-max100.xml", 200, 1, 1),
    ("api-2026/id_list-0808.05394_start0-max100.xml", 200, 0, 0),
    ("api-2026/id_list-1605.08386_start0-max100.xml", 200, 1, 1),
    ("api-2026/id_list-1707.08567_start0-max100.xml", 200, 1, 1),
    ("api-2026/id_list-2104.12255v1_start0-max100.xml", 200, 1, 1),
    ("api-2026/id_list-abc_start0-max100.xml", 400, 1, 1),
    ("api-2026/id_list-astro-ph_0601001_start0-max100.xml", 200, 1, 1),
    ("api-2026/id_list-quant-ph_0201082v1_start0-max100.xml", 200, 1, 1),
    ("api-2026/query-testing_start0-max100.xml", 200, 100, 214881),
    ("api-2026/query-testing_start0-max10.xml", 200, 10, 214881),
    ("api-2026/query-testing_start5-max10.xml", 200, 10, 214881),
    ("api-2026/query-testing_start10-max10.xml", 200, 10, 214881),
    ("api-2026/query-testing_start20-max10.xml", 200, 10, 214881),
    ("api-2026/query-testing_start30-max10.xml", 200, 10, 214881),
    ("api-2026/query-testing_start40-max10.xml", 200, 10, 214881),
    ("api-2026/query-testing_start50-max10.xml", 200, 10, 214881),
    ("api-2026/query-testing_start0-max15.xml", 200, 15, 214881),
    ("api-2026/query-testing_start5-max15.xml", 200, 15, 214881),
    ("api-2026/query-testing_start9-max15.xml", 200, 15, 214881),
    ("classic-2016/search-au_del_maestro.xml", 200, 10, 31),
    ("classic-2016/search-au_del_maestro-ANDNOT-ti_checkerboard-OR-ti_Pyrochlore.xml", 200, 10, 24),
    ("classic-2016/search-au_del_maestro-AND-ti_quantum_criticality.xml", 200, 2, 2),
    ("classic-2016/search-au_del_maestro-AND-ti_checkerboard.xml", 200, 1, 1),
    ("classic-2016/id_list-1111.2011v2.xml", 200, 1, 1),
]
PAGE_STARTS = [0, 10, 20, 30, 40, 50]


def data(name: str) -> bytes:
    return shared(f"arxiv-api/{name}").read_bytes()


def page_of(name: str) -> FeedPage:
    return parse_feed(data(name))


def records_of(name: str) -> list[PaperRecord]:
    items = page_of(name).items
    assert all(isinstance(item, PaperRecord) for item in items), items
    return [item for item in items if isinstance(item, PaperRecord)]


def by_id(name: str, arxiv_id: str) -> PaperRecord:
    (record,) = [r for r in records_of(name) if r.arxiv_id == arxiv_id]
    return record


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def feed(entries: str, total: int = 1, start: int = 0, per_page: int = 10) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title>arXiv Query</title>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>
  {entries}
</feed>""".encode()


def polite(interval: float = 0.0, retries: int = 2, timeout: float = 5.0) -> PoliteClient:
    return PoliteClient(interval=interval, retries=retries, backoff=0.01, timeout=timeout)


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with polite() as c:
        yield c


def serve_testing_pages(api: Endpoint) -> None:
    for start in PAGE_STARTS:
        body = data(f"api-2026/query-testing_start{start}-max10.xml")
        api.route(Reply(body=body), start=str(start))


def ids(items: Iterable[object]) -> list[str]:
    return [item.arxiv_id for item in items if isinstance(item, PaperRecord)]


# --- parsing real answers --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "status", "entries", "total"), FILES)
def test_it_reads_every_entry_of_every_real_file(
    name: str, status: int, entries: int, total: int
) -> None:
    if status != 200:
        with pytest.raises(ArxivApiError):
            page_of(name)
        return
    page = page_of(name)
    assert page.total_results == total
    assert len(page.items) == entries
    for record in records_of(name):
        assert record.source is Source.ARXIV_API
        assert "v" not in record.arxiv_id.split("/")[-1]
        assert record.title
        assert record.abstract
        assert record.authors
        assert record.categories
        assert record.abstract == " ".join(record.abstract.split())  # hard wraps folded
        assert record.published is not None
        assert record.published.tzinfo is UTC
        assert record.updated is not None
        assert record.updated >= record.published
        assert record.versions[0] == Version(1, record.published)
        assert record.fingerprint
        assert record.arxiv_id in record.where


def test_the_manifest_agrees_with_what_is_parsed() -> None:
    manifest = json.loads(shared("arxiv-api/api-2026/manifest.json").read_text())
    assert len(manifest) == 20
    for row in manifest:
        raw = data(f"api-2026/{row['file']}")
        if row["http_status"] != 200:
            with pytest.raises(ArxivApiError):
                parse_feed(raw)
            continue
        page = parse_feed(raw)
        assert (len(page.items), page.total_results) == (row["entries"], row["totalResults"])


def test_every_real_file_yields_245_records_and_one_error() -> None:
    records, errors = 0, 0
    for name, *_ in FILES:
        try:
            records += len(records_of(name))
        except ArxivApiError:
            errors += 1
    assert (records, errors) == (245, 1)


def test_it_reads_a_current_entry_with_every_field() -> None:
    record = records_of("api-2026/query-testing_start0-max10.xml")[0]
    assert record.arxiv_id == "2202.12139"
    assert record.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert record.abstract.startswith("Deep Learning (DL) has revolutionized the capabilities")
    assert record.authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert record.categories == ["cs.SE", "cs.LG"]
    assert record.published == at("2022-02-24T15:05:19")
    assert record.updated == at("2022-02-24T15:05:19")
    assert record.versions == [Version(1, at("2022-02-24T15:05:19"))]
    assert record.doi == "10.1109/ICSTW55395.2022.00035"
    assert record.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")
    assert (
        record.comments == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    )
    assert record.license == ""
    assert record.where == "entry 1 (2202.12139v1)"


def test_a_later_version_is_dated_by_updated() -> None:
    record = by_id("api-2026/query-testing_start10-max10.xml", "2403.16981")
    assert record.versions == [
        Version(1, at("2024-03-25T17:42:32")),
        Version(2, at("2025-05-24T05:50:33")),
    ]
    assert record.published == at("2024-03-25T17:42:32")
    assert record.updated == at("2025-05-24T05:50:33")
    # arxiv:primary_category repeats the first <category>: kept once, first.
    assert record.categories == ["math.ST", "cs.IT", "stat.ML"]
    assert record.authors == ["Ankit Pensia", "Varun Jog", "Po-Ling Loh"]
    assert record.where == "entry 11 (2403.16981v2)"  # numbered from the page's startIndex


def test_it_reads_the_classic_2016_format() -> None:
    page = page_of("classic-2016/id_list-1111.2011v2.xml")
    assert (page.total_results, page.start_index, page.items_per_page) == (1, 0, 10)
    (record,) = records_of("classic-2016/id_list-1111.2011v2.xml")
    assert record.arxiv_id == "1111.2011"
    # Hard-wrapped with an indented continuation line in the file.
    assert record.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert record.abstract.startswith("Theoretical description of anisotropic systems, such as")
    assert "layered superconductors" in record.abstract
    assert record.abstract.endswith("the theory describing a single node.")
    assert record.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert record.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert record.doi == "10.1103/PhysRevB.85.115117"
    assert record.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert record.comments == "8 pages, 3 figures. Published version"
    assert record.versions == [
        Version(1, at("2011-11-08T18:48:36")),
        Version(2, at("2012-04-02T12:38:54")),
    ]


def test_classic_pages_read_their_opensearch_numbers() -> None:
    page = page_of("classic-2016/search-au_del_maestro.xml")
    assert (page.total_results, page.start_index, page.items_per_page) == (31, 0, 10)
    assert ids(page.items)[:3] == ["1201.4869", "cond-mat/0412498", "cond-mat/0603029"]


def test_it_reads_old_style_ids() -> None:
    (astro,) = records_of("api-2026/id_list-astro-ph_0601001_start0-max100.xml")
    assert astro.arxiv_id == "astro-ph/0601001"
    assert astro.categories == ["astro-ph"]
    assert astro.authors == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert astro.journal_ref == "ActaAstron.56:1-50,2006"
    assert "Gould & Morgan (2003)" in astro.abstract  # entities decoded once, not twice
    assert "V_max<17.5" in astro.abstract
    assert astro.published == at("2006-01-02T14:57:58")

    (quant,) = records_of("api-2026/id_list-quant-ph_0201082v1_start0-max100.xml")
    assert quant.arxiv_id == "quant-ph/0201082"
    assert quant.categories == ["quant-ph", "cs.PL"]
    assert quant.abstract.startswith("We show a representation")  # leading spaces dropped

    striped = by_id(
        "classic-2016/search-au_del_maestro-AND-ti_quantum_criticality.xml", "cond-mat/0607501"
    )
    assert [v.number for v in striped.versions] == [1, 2]
    assert striped.updated == at("2006-11-06T19:33:40")
    assert striped.doi == "10.1103/PhysRevB.74.214517"


def test_a_title_of_just_0_is_still_a_title() -> None:
    (record,) = records_of("api-2026/id_list-2104.12255v1_start0-max100.xml")
    assert record.arxiv_id == "2104.12255"
    assert record.title == "0"
    assert record.versions == [Version(1, at("2021-04-20T16:07:14"))]


def test_an_error_feed_raises_with_arxivs_own_words() -> None:
    with pytest.raises(ArxivApiError, match="incorrect id format for abc"):
        page_of("api-2026/id_list-abc_start0-max100.xml")


def test_empty_feeds_give_zero_items() -> None:
    for name in (
        "api-2026/id_list-0808.05394_start0-max100.xml",
        "api-2026/id_list-0000.0000_start0-max100.xml",
    ):
        page = page_of(name)
        assert (page.total_results, page.items) == (0, [])
    # Two ids asked, one unknown: arXiv just leaves it out.
    assert ids(page_of("api-2026/id_list-0808.05394+1707.08567_start0-max100.xml").items) == [
        "1707.08567"
    ]


def test_the_same_paper_fingerprints_the_same_in_every_answer() -> None:
    alone = records_of("api-2026/id_list-1707.08567_start0-max100.xml")[0]
    paired = records_of("api-2026/id_list-0808.05394+1707.08567_start0-max100.xml")[0]
    assert alone.fingerprint == paired.fingerprint
    looked_up = records_of("classic-2016/id_list-1111.2011v2.xml")[0]
    searched = by_id(
        "classic-2016/search-au_del_maestro-AND-ti_quantum_criticality.xml", "1111.2011"
    )
    assert looked_up.fingerprint == searched.fingerprint
    big = records_of("api-2026/query-testing_start0-max100.xml")
    assert len({r.fingerprint for r in big}) == len(big)


def test_overlapping_pages_agree_with_the_large_page() -> None:
    big = ids(page_of("api-2026/query-testing_start0-max100.xml").items)
    for start in (0, 5, 10, 20, 30, 40, 50):
        page = page_of(f"api-2026/query-testing_start{start}-max10.xml")
        assert page.start_index == start
        assert ids(page.items) == big[start : start + 10]


# --- entries that cannot be read, and XML that must not be ---------------------------------


def test_entries_that_cannot_be_read_are_rejected_not_raised() -> None:
    raw = feed(
        """
  <entry><title>No id at all</title></entry>
  <entry><id>http://arxiv.org/abs/not-an-id</id><title>Bad id</title></entry>
  <entry><id>http://arxiv.org/abs/2401.01234v1</id><title>  </title></entry>
  <entry><id>http://arxiv.org/abs/2401.05678v3</id><title>Fine</title></entry>
""",
        total=4,
        start=20,
    )
    items = parse_feed(raw).items
    assert [type(item) for item in items] == [Rejected, Rejected, Rejected, PaperRecord]
    assert items[0] == Rejected("entry 21", "entry has no <id>")
    assert isinstance(items[1], Rejected)
    assert "not an arXiv id" in items[1].reason
    assert items[2] == Rejected("entry 23 (2401.01234v1)", "entry has no title")
    fine = items[3]
    assert isinstance(fine, PaperRecord)
    # No dates in the entry: nothing invented, and v3's date is unknown.
    assert fine.published is None
    assert fine.versions == [Version(3, None)]


def test_categories_put_the_primary_first_and_drop_msc_and_acm_codes() -> None:
    raw = feed("""
  <entry>
    <id>https://arxiv.org/abs/hep-th/9901001v2</id>
    <title type="html">Fields &amp;amp; strings</title>
    <published>1999-01-01T10:00:00Z</published>
    <updated>1999-02-01T12:00:00+02:00</updated>
    <category term="math-ph"/><category term="68T05"/><category term="I.2.6"/>
    <category term="hep-th"/><category term="math-ph"/>
    <arxiv:primary_category term="hep-th"/>
    <author><name>Bal\\'azs Szegedy</name></author>
    <author><name>  </name></author>
    <author><name>Kurt G\\"odel</name></author>
  </entry>""")
    (record,) = parse_feed(raw).items
    assert isinstance(record, PaperRecord)
    assert record.arxiv_id == "hep-th/9901001"
    assert record.categories == ["hep-th", "math-ph"]
    assert record.title == "Fields & strings"  # type="html": the HTML escape is undone too
    assert record.authors == ["Balázs Szegedy", "Kurt Gödel"]
    assert record.updated == dt.datetime(1999, 2, 1, 10, 0, tzinfo=UTC)  # offset made UTC
    assert record.versions == [Version(1, at("1999-01-01T10:00:00")), Version(2, record.updated)]


def test_malformed_xml_raises_bad_xml() -> None:
    with pytest.raises(BadXml, match="malformed"):
        parse_feed(b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>")


def test_a_document_that_is_not_a_feed_is_refused() -> None:
    with pytest.raises(BadXml, match="not an arXiv API feed"):
        parse_feed(b"<html><body>Service Unavailable</body></html>")


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE feed [\n'
        + "\n".join(entities)
        + '\n]>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/abs/2401.01234v1</id><title>&lol9;</title></entry></feed>"
    ).encode()


def test_an_entity_bomb_is_refused_not_expanded() -> None:
    with pytest.raises(BadXml, match="refused") as caught:
        parse_feed(billion_laughs())
    assert "lollol" not in str(caught.value)


def test_an_external_entity_is_refused_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    raw = (
        f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/abs/2401.01234v1</id><title>&xxe;</title></entry></feed>"
    ).encode()
    with pytest.raises(BadXml, match="refused") as caught:
        parse_feed(raw)
    assert "TOP-SECRET" not in str(caught.value)


# --- category queries -------------------------------------------------------------------------


def test_category_query_spells_arxivs_date_range() -> None:
    query = category_query("cs.LG", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert query == "cat:cs.LG AND submittedDate:[202401010000 TO 202401312359]"
    assert category_query("hep-th", dt.date(2024, 3, 5), dt.date(2024, 3, 5)) == (
        "cat:hep-th AND submittedDate:[202403050000 TO 202403052359]"
    )


def test_category_query_runs_until_today_by_default() -> None:
    today = dt.datetime.now(UTC).date()
    assert category_query("math.CO", dt.date(2024, 1, 1), None).endswith(f"TO {today:%Y%m%d}2359]")


@pytest.mark.parametrize("category", ["68T05", "I.2.6", "cs LG", "", "cat:cs.LG", "CS.lg"])
def test_category_query_refuses_what_is_not_a_category(category: str) -> None:
    with pytest.raises(ValueError, match="not an arXiv category"):
        category_query(category, dt.date(2024, 1, 1), dt.date(2024, 1, 2))


def test_category_query_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError, match="2024-02-01 is after 2024-01-01"):
        category_query("cs.LG", dt.date(2024, 2, 1), dt.date(2024, 1, 1))


# --- the stream, against a local server replaying the real pages ---------------------------


def test_the_stream_starts_without_a_total_and_follows_the_protocol(client: PoliteClient) -> None:
    stream: RecordStream = ArxivApiStream(client, "http://127.0.0.1:9/api/query", search_query="x")
    assert (stream.total, stream.position, stream.cursor, stream.unit) == (None, 0, "0", "rec")
    assert stream.label == "arXiv API x"
    assert stream.notes == []


@pytest.mark.network_replay
def test_the_stream_pages_through_real_results_politely(api: Endpoint) -> None:
    serve_testing_pages(api)
    interval = 0.2
    with polite(interval=interval) as client:
        stream = ArxivApiStream(
            client,
            api.url,
            search_query="all:testing",
            page_size=10,
            max_records=60,
        )
        items = list(stream)
    expected: list[str] = []
    for start in PAGE_STARTS:
        expected += ids(page_of(f"api-2026/query-testing_start{start}-max10.xml").items)
    assert ids(items) == expected
    assert len(items) == 60
    assert (stream.total, stream.position, stream.cursor) == (214881, 60, "60")
    requests = api.requests
    assert [r.params["start"] for r in requests] == [str(s) for s in PAGE_STARTS]
    assert requests[0].params == {
        "search_query": "all:testing",
        "start": "0",
        "max_results": "10",
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
    }
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    # The client spaces request *starts*; arrival at the server adds a little jitter either way.
    assert min(gaps) >= interval - 0.01, gaps


@pytest.mark.network_replay
def test_the_cursor_names_the_page_to_resume_from(api: Endpoint, client: PoliteClient) -> None:
    serve_testing_pages(api)
    stream = ArxivApiStream(
        client, api.url, search_query="all:testing", page_size=10, max_records=20
    )
    seen = [(stream.cursor, stream.position) for _ in stream]
    assert [c for c, _ in seen] == ["0"] * 9 + ["10"] + ["10"] * 9 + ["20"]
    assert [p for _, p in seen] == list(range(1, 21))


@pytest.mark.network_replay
def test_resuming_from_a_cursor_starts_at_that_offset(api: Endpoint, client: PoliteClient) -> None:
    serve_testing_pages(api)
    stream = ArxivApiStream(
        client,
        api.url,
        search_query="all:testing",
        page_size=10,
        cursor="20",
        max_records=20,
    )
    assert stream.position == 20
    items = list(stream)
    assert [r.params["start"] for r in api.requests] == ["20", "30"]
    assert ids(items)[0] == ids(page_of("api-2026/query-testing_start20-max10.xml").items)[0]
    assert (stream.position, stream.cursor) == (40, "40")


@pytest.mark.network_replay
def test_the_stream_stops_at_total_results(api: Endpoint, client: PoliteClient) -> None:
    body = data("classic-2016/search-au_del_maestro-AND-ti_quantum_criticality.xml")
    api.route(Reply(body=body))
    stream = ArxivApiStream(client, api.url, search_query="au:del_maestro")
    assert ids(list(stream)) == ["1111.2011", "cond-mat/0607501"]
    assert len(api.requests) == 1
    assert (stream.total, stream.cursor, stream.notes) == (2, "2", [])


@pytest.mark.network_replay
def test_an_empty_result_ends_the_stream_quietly(api: Endpoint, client: PoliteClient) -> None:
    body = data("api-2026/id_list-0808.05394_start0-max100.xml")
    api.route(Reply(body=body), id_list="0808.05394")
    stream = ArxivApiStream(client, api.url, id_list=["0808.05394"])
    assert list(stream) == []
    assert (stream.total, stream.notes, len(api.requests)) == (0, [], 1)


def empty_page(start: int) -> Reply:
    return Reply(body=feed("", total=214881, start=start))


@pytest.mark.network_replay
def test_a_transiently_empty_page_is_asked_again(api: Endpoint, client: PoliteClient) -> None:
    real = data("api-2026/query-testing_start10-max10.xml")
    api.route([empty_page(10), empty_page(10), Reply(body=real)], start="10")
    serve_testing_pages(api)
    stream = ArxivApiStream(
        client, api.url, search_query="all:testing", page_size=10, max_records=20
    )
    assert len(list(stream)) == 20
    assert [r.params["start"] for r in api.requests] == ["0", "10", "10", "10"]
    assert stream.notes == []


@pytest.mark.network_replay
def test_a_page_that_stays_empty_stops_the_stream_with_a_note(
    api: Endpoint, client: PoliteClient
) -> None:
    api.route(empty_page(10), start="10")
    serve_testing_pages(api)
    stream = ArxivApiStream(
        client,
        api.url,
        search_query="all:testing",
        page_size=10,
        empty_page_retries=2,
    )
    assert len(list(stream)) == 10
    assert [r.params["start"] for r in api.requests] == ["0", "10", "10", "10"]
    (note,) = stream.notes
    assert "empty page at start=10" in note
    assert "214881" in note
    assert stream.cursor == "10"


@pytest.mark.network_replay
def test_a_503_is_retried_then_succeeds(api: Endpoint, client: PoliteClient) -> None:
    real = data("api-2026/query-testing_start0-max10.xml")
    api.route([Reply(503, b"busy", {"Content-Type": "text/plain"}), Reply(body=real)])
    stream = ArxivApiStream(
        client, api.url, search_query="all:testing", page_size=10, max_records=10
    )
    assert len(list(stream)) == 10
    assert len(api.requests) == 2


@pytest.mark.network_replay
def test_a_time_out_is_retried_then_succeeds(api: Endpoint) -> None:
    real = data("api-2026/query-testing_start0-max10.xml")
    api.route([Reply(body=real, delay=1.0), Reply(body=real)])
    with polite(timeout=0.3) as client:
        stream = ArxivApiStream(client, api.url, search_query="all:testing", max_records=10)
        assert len(list(stream)) == 10
    assert len(api.requests) == 2


@pytest.mark.network_replay
def test_it_gives_up_with_fetch_error_after_the_retries(api: Endpoint) -> None:
    api.route(Reply(503, b"down", {"Content-Type": "text/plain"}))
    with polite(retries=2) as client:
        stream = ArxivApiStream(client, api.url, search_query="all:testing")
        with pytest.raises(FetchError, match=r"giving up after 3 attempts \(HTTP 503\)"):
            list(stream)
    assert len(api.requests) == 3


@pytest.mark.network_replay
def test_an_error_feed_from_the_server_raises_arxiv_api_error(
    api: Endpoint, client: PoliteClient
) -> None:
    api.route(Reply(400, data("api-2026/id_list-abc_start0-max100.xml")))
    stream = ArxivApiStream(client, api.url, id_list=["abc"])
    with pytest.raises(ArxivApiError, match=r"incorrect id format for abc \(HTTP 400\)"):
        list(stream)
    assert len(api.requests) == 1  # a 400 is an answer, not worth retrying


@pytest.mark.network_replay
def test_another_status_raises_arxiv_api_error_naming_it(
    api: Endpoint, client: PoliteClient
) -> None:
    stream = ArxivApiStream(client, api.server.url + "/nowhere", search_query="all:testing")
    with pytest.raises(ArxivApiError, match="HTTP 404"):
        list(stream)


@pytest.mark.network_replay
def test_hostile_xml_from_the_server_is_refused(api: Endpoint, client: PoliteClient) -> None:
    api.route(Reply(body=billion_laughs()))
    stream = ArxivApiStream(client, api.url, search_query="all:testing")
    with pytest.raises(BadXml, match=r"start=0: refused XML"):
        list(stream)


@pytest.mark.network_replay
def test_harvest_category_asks_for_the_category_oldest_first(
    api: Endpoint, client: PoliteClient
) -> None:
    body = data("classic-2016/search-au_del_maestro-AND-ti_quantum_criticality.xml")
    api.route(Reply(body=body))
    stream = harvest_category(
        client, api.url, "cond-mat.str-el", dt.date(2006, 1, 1), dt.date(2012, 12, 31)
    )
    assert stream.label == "arXiv API cond-mat.str-el 2006-01-01..2012-12-31"
    assert len(list(stream)) == 2
    assert api.requests[0].params == {
        "search_query": "cat:cond-mat.str-el AND submittedDate:[200601010000 TO 201212312359]",
        "start": "0",
        "max_results": "100",
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
    }


@pytest.mark.network_replay
def test_harvest_category_resumes_from_a_cursor(api: Endpoint, client: PoliteClient) -> None:
    serve_testing_pages(api)
    stream = harvest_category(client, api.url, "cs.SE", dt.date(2024, 1, 1), cursor="50")
    stream.max_records = 10
    assert len(list(stream)) == 10
    assert api.requests[0].params["start"] == "50"


def test_the_stream_refuses_bad_arguments(client: PoliteClient) -> None:
    url = "http://127.0.0.1:9/api/query"
    with pytest.raises(ValueError, match="search_query or id_list"):
        ArxivApiStream(client, url)
    with pytest.raises(ValueError, match="page_size"):
        ArxivApiStream(client, url, search_query="x", page_size=5000)
    with pytest.raises(ValueError, match="cursor"):
        ArxivApiStream(client, url, search_query="x", cursor="page-3")
