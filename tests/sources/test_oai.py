"""The arXiv OAI-PMH source: real recorded pages, and the harvest against a replay server."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest

from paperwire.sources.http import FetchError, PoliteClient
from paperwire.sources.oai import (
    DONE_CURSOR,
    OaiError,
    OaiStream,
    harvest,
    parse_page,
    split_authors,
)
from paperwire.sources.records import PaperRecord, Rejected, Source, SourceItem, Version
from paperwire.sources.xml import BadXml
from tests.conftest import shared
from tests.replay import ReplayServer, Reply

pytestmark = pytest.mark.network_replay

DC_FILE = "arxiv-oai/listrecords-oai_dc-cs-2024-01-25-with-resumptionToken.xml"
HEP_EX_FILE = "arxiv-oai/listrecords-arXiv-physics_hep-ex-2017-12-14.xml"
HEP_TH_FILE = "arxiv-oai/listrecords-arXiv-physics_hep-th-2017-12-14.xml"
TOKEN = "6960524|1001"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def read(relative: str) -> bytes:
    return shared(relative).read_bytes()


def papers(items: list[SourceItem]) -> list[PaperRecord]:
    assert all(isinstance(item, PaperRecord) for item in items), items
    return [item for item in items if isinstance(item, PaperRecord)]


def oai(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
        "<responseDate>2024-02-01T10:00:00Z</responseDate>\n"
        f"{body}\n</OAI-PMH>\n"
    ).encode()


def arxiv_record(arxiv_id: str, title: str = "A title") -> str:
    return f"""<record><header><identifier>oai:arXiv.org:{arxiv_id}</identifier>
<datestamp>2024-01-31</datestamp><setSpec>cs</setSpec></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{arxiv_id}</id><created>2024-01-29</created>
<authors><author><keyname>Doe</keyname><forenames>Jane</forenames></author></authors>
<title>{title}</title><categories>cs.LG stat.ML</categories><abstract>Text.</abstract>
</arXiv></metadata></record>"""


# Written from arXiv's arXivRaw schema (http://arxiv.org/OAI/arXivRaw/), shaped like the real
# GetRecord of 1304.4214 in invenio's test suite: one <version> element per version with an
# RFC 822 date, and the authors as the single string the submitter typed.
RAW_PAGE = oai(
    '<request verb="ListRecords" metadataPrefix="arXivRaw" set="physics:hep-th"'
    ' from="2024-01-30">http://export.arxiv.org/oai2</request>\n'
    "<ListRecords>\n"
    "<record>\n<header>\n <identifier>oai:arXiv.org:hep-th/9901001</identifier>\n"
    " <datestamp>2024-01-31</datestamp>\n <setSpec>physics:hep-th</setSpec>\n</header>\n"
    "<metadata>\n"
    ' <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">\n'
    " <id>hep-th/9901001</id><submitter>Jane Q. Doe</submitter>"
    '<version version="v1"><date>Fri, 1 Jan 1999 09:30:00 GMT</date><size>24kb</size>'
    "<source_type>D</source_type></version>"
    '<version version="v2"><date>Mon, 15 Mar 1999 17:02:11 GMT</date><size>25kb</size>'
    "<source_type>D</source_type></version>"
    '<version version="v3"><date>Wed, 31 Jan 2024 08:00:00 GMT</date><size>26kb</size>'
    "<source_type>D</source_type></version>"
    "<title>A Toy Model of\n  Wrapped Titles</title>"
    r"<authors>J. Q. Doe (Example U., Physics and Astronomy), C. Bal\'azs, R."
    "\n  Roe, Jr. and The Example Collaboration</authors>"
    "<categories>hep-th gr-qc</categories>"
    "<comments>12 pages, &quot;toy&quot;\n  model</comments>"
    "<report-no>EX-TH-99-01</report-no><msc-class>81T30</msc-class>"
    "<journal-ref>Example J. 1 (1999) 1</journal-ref><doi>10.0000/example.1</doi>"
    "<license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</license>"
    "<abstract>  An abstract\nwith hard wraps.\n</abstract></arXivRaw>\n"
    "</metadata>\n</record>\n"
    '<record>\n<header status="deleted">\n'
    " <identifier>oai:arXiv.org:2401.00002</identifier>\n"
    " <datestamp>2024-01-31</datestamp>\n <setSpec>physics:hep-th</setSpec>\n</header>\n"
    "</record>\n"
    "<record>\n<header>\n <identifier>oai:arXiv.org:2401.00003</identifier>\n"
    " <datestamp>2024-01-31</datestamp>\n <setSpec>physics:hep-th</setSpec>\n</header>\n"
    "<metadata>\n"
    ' <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">\n'
    " <id>2401.00003</id><submitter>Ann Example</submitter>"
    '<version version="v1"><date>Tue, 30 Jan 2024 23:59:59 GMT</date><size>9kb</size>'
    "<source_type>D</source_type></version>"
    "<title>Second</title><authors>Ann Example and Bo Example</authors>"
    "<categories>hep-th</categories>"
    "<license>http://creativecommons.org/licenses/by/4.0/</license>"
    "<abstract>Short.</abstract></arXivRaw>\n"
    "</metadata>\n</record>\n"
    "</ListRecords>"
)

# What arXiv's last page looks like: an empty token element, its cursor where the page starts.
# (The real first page was trimmed from 1001 records to 5 by the project it comes from.)
DC_PAGE_2 = oai("""<request verb="ListRecords" resumptionToken="6960524|1001">http://export.arxiv.org/oai2</request>
<ListRecords>
<record><header><identifier>oai:arXiv.org:2401.14100</identifier><datestamp>2024-01-26</datestamp>
<setSpec>cs</setSpec></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Page Two, First</dc:title><dc:creator>Roe, Richard</dc:creator>
<dc:subject>Computer Science - Machine Learning</dc:subject>
<dc:description> An abstract. </dc:description><dc:date>2024-01-25</dc:date>
<dc:type>text</dc:type><dc:identifier>http://arxiv.org/abs/2401.14100</dc:identifier>
</oai_dc:dc></metadata></record>
<record><header><identifier>oai:arXiv.org:2401.14101</identifier><datestamp>2024-01-26</datestamp>
<setSpec>cs</setSpec></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Page Two, Second</dc:title><dc:creator>Doe, Jane</dc:creator>
<dc:description> Another abstract. </dc:description><dc:date>2024-01-25</dc:date>
<dc:identifier>http://arxiv.org/abs/2401.14101</dc:identifier>
</oai_dc:dc></metadata></record>
<resumptionToken cursor="1001" completeListSize="1162"></resumptionToken>
</ListRecords>""")

PAGE_1_IDS = ["1303.2033", "2401.14034", "2401.14036", "2401.14038", "2401.14040"]
PAGE_2_IDS = ["2401.14100", "2401.14101"]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>
<identifier>oai:arXiv.org:2401.00001</identifier></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2401.00001</id><title>&lol9;</title></arXiv>
</metadata></record></ListRecords></OAI-PMH>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>
<identifier>oai:arXiv.org:2401.00001</identifier></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2401.00001</id><title>&xxe;</title></arXiv>
</metadata></record></ListRecords></OAI-PMH>"""


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def client(sleeps: FakeSleep) -> Iterator[PoliteClient]:
    with PoliteClient(interval=0.0, retries=2, backoff=0.01, timeout=5.0, sleep=sleeps) as polite:
        yield polite


def dc_stream(client: PoliteClient, server: ReplayServer, cursor: str | None = None) -> OaiStream:
    return OaiStream(
        client,
        f"{server.url}/oai",
        set_spec="cs",
        from_date=dt.date(2024, 1, 25),
        metadata_prefix="oai_dc",
        cursor=cursor,
    )


def route_two_pages(server: ReplayServer) -> None:
    server.route("/oai", Reply(body=read(DC_FILE)), verb="ListRecords", metadataPrefix="oai_dc")
    server.route("/oai", Reply(body=DC_PAGE_2), verb="ListRecords", resumptionToken=TOKEN)


def ids(items: list[SourceItem]) -> list[str]:
    return [paper.arxiv_id for paper in papers(items)]


# --- parse_page: real recorded pages -------------------------------------------------------


def test_it_reads_a_real_arxiv_format_listrecords_page() -> None:
    page = parse_page(read(HEP_EX_FILE))

    assert page.resumption_token is None
    assert page.complete_list_size is None
    first, second, third = papers(page.items)
    assert [first.arxiv_id, second.arxiv_id, third.arxiv_id] == [
        "1706.05371",
        "1706.09418",
        "1707.00874",
    ]
    assert first.source is Source.OAI
    assert first.where == "record 1 (oai:arXiv.org:1706.05371)"
    assert first.title == (
        "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon Detectors"
    )
    assert first.authors[:3] == ["Tyler Anderson", "Jacob Cutter", "Navneet Dhaliwal"]
    assert first.authors[-1] == "Mani Tripathi"
    assert len(first.authors) == 13
    assert first.categories == ["physics.ins-det", "hep-ex"]
    assert first.versions == [Version(1, utc(2017, 6, 16))]
    assert first.published == utc(2017, 6, 16)
    assert first.updated == utc(2017, 12, 12)
    assert first.comments == "10 pages, 9 figures"
    assert first.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert first.abstract.startswith("Silicon photomultipliers (SiPMs) are potential solid-state")
    assert "\n" not in first.abstract
    assert first.doi == first.journal_ref == first.report_no == ""

    assert second.authors[2] == "Manuel E. Krauss"
    assert second.categories == ["hep-ph", "hep-ex"]
    assert second.doi == "10.1140/epjc/s10052-017-5414-4"
    assert second.journal_ref == "Eur. Phys. J. C (2017) 77:856"
    assert second.report_no == "BONN-TH-2017-03"
    assert second.comments.startswith("43 pages, 13 tables, 17 figures; updated Figs. 11-17 and")
    assert "Tab. 12 including NLO" in second.comments  # the hard wrap folded

    assert third.categories == ["hep-ph", "astro-ph.CO", "hep-ex"]
    assert third.report_no == "IITH-PH-0001/17, IMSc/2017/07/05"
    assert third.title == (
        "Implications of right-handed neutrinos in $B-L$ extended standard model "
        "with scalar dark matter"
    )


def test_it_reads_the_second_real_arxiv_format_page() -> None:
    first, second, third = papers(parse_page(read(HEP_TH_FILE)).items)

    assert first.arxiv_id == "1412.8323"
    assert first.authors == ["Philipp A Hoehn"]
    assert first.license == "http://creativecommons.org/licenses/by/4.0/"
    assert first.categories == [
        "quant-ph",
        "gr-qc",
        "hep-th",
        "math-ph",
        "math.MP",
        "physics.hist-ph",
    ]
    assert second.doi == "10.1088/1751-8121/aa9c53"
    assert second.journal_ref == "J. Phys. A: Math. Theor. 51 (2018) 035201"
    assert second.updated == utc(2016, 3, 4)
    assert third.authors == [
        "R. A. C. Correa",
        "D. M. Dantas",
        "P. H. R. S. Moraes",
        "A. de Souza Dutra",
        "C. A. S. Almeida",
    ]
    assert third.doi == "10.1002/andp.201700188"
    assert third.comments == ""


def test_it_reads_a_real_getrecord_and_keeps_msc_codes_out_of_the_categories() -> None:
    (paper,) = papers(parse_page(read("arxiv-oai/getrecord-arXiv-1401.2122.xml")).items)

    assert paper.arxiv_id == "1401.2122"
    assert paper.authors == ["A. Sergyeyev"]
    assert paper.categories == ["math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI"]
    assert paper.categories[0] == "math.AP"  # primary first
    assert paper.journal_ref == "Lett. Math. Phys. 108 (2018), no. 2, 359-376"
    assert paper.doi == "10.1007/s11005-017-1013-4"
    assert paper.published == utc(2014, 1, 9)
    assert paper.updated == utc(2017, 10, 23)


def test_it_makes_sense_of_the_oddly_split_collaboration_author_list() -> None:
    page = parse_page(read("arxiv-oai/getrecord-arXiv-1603.05976.xml"))
    (paper,) = papers(page.items)

    # "Keck Array and BICEP2 Collaborations: P. Ade, ..." arrives as the pairs
    # (Array, Keck), (Collaborations, BICEP2), (":", -): the colon is not a name.
    assert paper.authors[:4] == ["Keck Array", "BICEP2 Collaborations", "P. Ade", "Z. Ahmed"]
    assert ":" not in paper.authors
    assert len(paper.authors) == 65  # 66 <author> elements, less the colon
    # A suffix goes last; this real entry has lost its surname upstream, but still reads.
    assert paper.authors[paper.authors.index("R. O'Brient") + 1] == "R. W. IV"
    assert paper.authors[-1] == "K. W. Yoon"
    assert paper.title == (
        "BICEP2 / Keck Array VII: Matrix based E/B Separation applied to BICEP2 and the Keck Array"
    )
    assert paper.categories == ["astro-ph.IM", "astro-ph.CO"]
    assert paper.abstract.endswith(r"ratio of $r<1\times10^{-4}$.")  # &lt; decoded
    # No <updated>: a single version, so the latest is the first.
    assert paper.versions == [Version(1, utc(2016, 3, 18))]
    assert paper.updated == paper.published == utc(2016, 3, 18)


def test_it_decodes_entities_in_a_real_getrecord() -> None:
    (paper,) = papers(parse_page(read("arxiv-oai/getrecord-arXiv-1606.04259.xml")).items)

    assert paper.arxiv_id == "1606.04259"
    assert paper.title == "Extreme Regimes in Quantum Gravity"
    assert paper.comments == (
        "Phd thesis in Fundamental and Applied Physics presented at University "
        '"Federico II" (Naples, Italy) on 29th April 2016'
    )
    assert '"boosted horizon"' in paper.abstract
    assert paper.updated == paper.published == utc(2016, 6, 14)


def test_it_reads_the_real_oai_dc_page_with_its_resumption_token() -> None:
    page = parse_page(read(DC_FILE))

    assert page.resumption_token == TOKEN
    assert page.complete_list_size == 1162
    assert page.cursor == 0
    assert ids(page.items) == PAGE_1_IDS
    first, second, *_, last = papers(page.items)
    assert first.where == "record 1 (oai:arXiv.org:1303.2033)"
    assert first.title == "Extended Fourier analysis of signals"
    assert first.authors == ["Vilnis Liepins"]  # "Liepins, Vilnis"
    assert first.comments == "32 pages, 9 figures"
    assert first.abstract.startswith("This summary of the doctoral thesis is created")
    assert "Comment:" not in first.abstract
    assert first.versions == [Version(1, utc(2013, 3, 8)), Version(2, utc(2024, 1, 23))]
    assert first.published == utc(2013, 3, 8)
    assert first.updated == utc(2024, 1, 23)
    # dc:subject holds names ("Computer Science - Information Theory"), not codes.
    assert first.categories == []
    assert any("categories left empty" in note for note in page.notes)

    assert second.authors == [
        "Chuankun Li",
        "Shuai Li",
        "Yanbo Gao",
        "Ping Chen",
        "Jian Li",
        "Wanqing Li",
    ]
    assert second.comments == ""
    assert second.published == second.updated == utc(2024, 1, 25)
    assert last.title == "(Chat)GPT v BERT: Dawn of Justice for Semantic Change Detection"
    assert last.comments == "Accepted to the Findings of EACL 2024"


def test_each_record_gets_a_stable_fingerprint_of_its_own() -> None:
    data = read(DC_FILE)
    once = [paper.fingerprint for paper in papers(parse_page(data).items)]
    again = [paper.fingerprint for paper in papers(parse_page(data).items)]

    assert once == again
    assert len(set(once)) == len(once)
    assert all(len(value) == 16 for value in once)


# --- parse_page: arXivRaw, deletions, rejections, errors -----------------------------------


def test_it_reads_arxivraw_with_every_version_and_the_author_string() -> None:
    page = parse_page(RAW_PAGE)

    first, second = papers(page.items)
    assert first.arxiv_id == "hep-th/9901001"
    assert first.title == "A Toy Model of Wrapped Titles"
    assert first.authors == ["J. Q. Doe", "C. Balázs", "R. Roe Jr.", "The Example Collaboration"]
    assert first.versions == [
        Version(1, utc(1999, 1, 1, 9, 30)),
        Version(2, utc(1999, 3, 15, 17, 2, 11)),
        Version(3, utc(2024, 1, 31, 8, 0)),
    ]
    assert first.published == utc(1999, 1, 1, 9, 30)
    assert first.updated == utc(2024, 1, 31, 8, 0)
    assert first.categories == ["hep-th", "gr-qc"]
    assert first.comments == '12 pages, "toy" model'
    assert first.report_no == "EX-TH-99-01"
    assert first.journal_ref == "Example J. 1 (1999) 1"
    assert first.doi == "10.0000/example.1"
    assert first.abstract == "An abstract with hard wraps."

    assert second.arxiv_id == "2401.00003"
    assert second.where == "record 3 (oai:arXiv.org:2401.00003)"
    assert second.authors == ["Ann Example", "Bo Example"]
    assert second.versions == [Version(1, utc(2024, 1, 30, 23, 59, 59))]
    assert second.published == second.updated


def test_it_skips_deleted_records_with_a_note_not_a_rejection() -> None:
    page = parse_page(RAW_PAGE)

    assert page.deleted == 1
    assert not any(isinstance(item, Rejected) for item in page.items)
    assert page.notes == ["record 2 (oai:arXiv.org:2401.00002): deleted at arXiv, skipped"]


def test_it_splits_arxivraw_author_strings() -> None:
    assert split_authors("C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan") == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C.-P. Yuan",
    ]
    assert split_authors("Igor A. Zaliznyak and John M. Tranquada") == [
        "Igor A. Zaliznyak",
        "John M. Tranquada",
    ]
    assert split_authors("A. One (1), B. Two (2), and C. Three ((1) MIT, (2) CERN)") == [
        "A. One",
        "B. Two",
        "C. Three",
    ]
    assert split_authors("ATLAS Collaboration: G. Aad, B. Abbott") == [
        "ATLAS Collaboration",
        "G. Aad",
        "B. Abbott",
    ]
    assert split_authors("Ferdinand Sandoval") == ["Ferdinand Sandoval"]
    assert split_authors("") == []


def test_a_record_with_a_bad_id_is_rejected_and_the_rest_of_the_page_comes_through() -> None:
    page = parse_page(
        oai(
            "<ListRecords>"
            + arxiv_record("2401.00001")
            + arxiv_record("not-an-id")
            + arxiv_record("2401.00003", title="")
            + arxiv_record("2401.00004")
            + "</ListRecords>"
        )
    )

    good, bad_id, no_title, also_good = page.items
    assert isinstance(good, PaperRecord)
    assert good.arxiv_id == "2401.00001"
    assert isinstance(bad_id, Rejected)
    assert bad_id.where == "record 2 (oai:arXiv.org:not-an-id)"
    assert "not an arXiv id" in bad_id.reason
    assert no_title == Rejected("record 3 (oai:arXiv.org:2401.00003)", "no title")
    assert isinstance(also_good, PaperRecord)
    assert also_good.arxiv_id == "2401.00004"
    assert also_good.categories == ["cs.LG", "stat.ML"]


def test_a_record_without_metadata_is_rejected() -> None:
    page = parse_page(
        oai(
            "<ListRecords><record><header><identifier>oai:arXiv.org:2401.00001</identifier>"
            "</header></record></ListRecords>"
        )
    )

    assert page.items == [Rejected("record 1 (oai:arXiv.org:2401.00001)", "record has no metadata")]


def test_no_records_match_means_zero_records_not_an_error() -> None:
    page = parse_page(oai('<error code="noRecordsMatch">No records match</error>'))

    assert page.items == []
    assert page.resumption_token is None


def test_an_oai_error_raises_with_its_code_and_text() -> None:
    body = oai(
        '<error code="badResumptionToken">The value of the resumptionToken\n is invalid</error>'
    )
    with pytest.raises(OaiError) as caught:
        parse_page(body)

    assert caught.value.code == "badResumptionToken"
    assert str(caught.value) == (
        "arXiv OAI-PMH error badResumptionToken: The value of the resumptionToken is invalid"
    )


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "external"])
def test_it_refuses_entity_tricks(hostile: bytes) -> None:
    with pytest.raises(BadXml, match="refused XML"):
        parse_page(hostile)


def test_it_refuses_malformed_xml_and_non_oai_documents() -> None:
    with pytest.raises(BadXml, match="malformed"):
        parse_page(b"<OAI-PMH><ListRecords>")
    with pytest.raises(BadXml, match="not an OAI-PMH response"):
        parse_page(b"<html><body>Service temporarily unavailable</body></html>")


# --- OaiStream against the replay server ----------------------------------------------------


def test_it_follows_the_resumption_token(client: PoliteClient, replay_server: ReplayServer) -> None:
    route_two_pages(replay_server)
    stream = dc_stream(client, replay_server)
    cursors: list[str | None] = []
    items: list[SourceItem] = []
    for item in stream:
        items.append(item)
        cursors.append(stream.cursor)

    assert ids(items) == PAGE_1_IDS + PAGE_2_IDS
    assert [request.params for request in replay_server.requests] == [
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "cs", "from": "2024-01-25"},
        {"verb": "ListRecords", "resumptionToken": TOKEN},
    ]
    assert cursors == ["", "", "", "", TOKEN, TOKEN, DONE_CURSOR]
    assert stream.total == 1162
    # Page two says it starts at record 1001 (the real page one was trimmed to 5 records).
    assert items[5].where == "record 1002 (oai:arXiv.org:2401.14100)"
    assert stream.position == 1003
    assert stream.unit == "rec"
    assert sum("categories left empty" in note for note in stream.notes) == 1


def test_an_interrupted_harvest_resumes_at_the_saved_cursor(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    route_two_pages(replay_server)
    first_run = dc_stream(client, replay_server)
    seen = list(itertools.islice(first_run, 5))  # killed once page one is done
    saved = first_run.cursor

    assert saved == TOKEN
    assert len(replay_server.requests) == 1  # page two was never asked for

    second_run = dc_stream(client, replay_server, cursor=saved)
    rest = list(second_run)

    assert [request.params for request in replay_server.requests[1:]] == [
        {"verb": "ListRecords", "resumptionToken": TOKEN}
    ]
    assert ids(rest) == PAGE_2_IDS
    assert ids(seen + rest) == PAGE_1_IDS + PAGE_2_IDS  # no duplicates, no gaps
    assert second_run.cursor == DONE_CURSOR


def test_a_cursor_saved_mid_page_rereads_that_page_rather_than_skip_records(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    route_two_pages(replay_server)
    first_run = dc_stream(client, replay_server)
    seen = list(itertools.islice(first_run, 2))

    assert first_run.cursor == ""
    again = list(dc_stream(client, replay_server, cursor=first_run.cursor))
    assert ids(again) == PAGE_1_IDS + PAGE_2_IDS
    assert set(ids(seen)) <= set(ids(again))


def test_a_finished_cursor_yields_nothing_and_asks_nothing(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    route_two_pages(replay_server)
    stream = dc_stream(client, replay_server, cursor=DONE_CURSOR)

    assert list(stream) == []
    assert replay_server.requests == []


def test_no_records_match_ends_the_harvest_with_zero_items(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    replay_server.route("/oai", Reply(body=oai('<error code="noRecordsMatch"/>')))
    stream = harvest(client, f"{replay_server.url}/oai", "cs", dt.date(2024, 1, 25))

    assert list(stream) == []
    assert stream.cursor == DONE_CURSOR
    assert stream.total == 0


def test_a_bad_resumption_token_raises_oai_error(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    error = (
        '<error code="badResumptionToken">'
        "The value of the resumptionToken argument is invalid or expired.</error>"
    )
    replay_server.route("/oai", Reply(body=oai(error)))
    stream = dc_stream(client, replay_server, cursor="expired|1")

    with pytest.raises(OaiError, match=r"badResumptionToken: The value .* expired\..*expired\|1"):
        list(stream)


def test_an_oai_error_in_a_4xx_answer_is_still_an_oai_error(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    error = '<error code="cannotDisseminateFormat">Bad metadataPrefix</error>'
    replay_server.route("/oai", Reply(status=400, body=oai(error)))

    with pytest.raises(OaiError, match="cannotDisseminateFormat"):
        list(dc_stream(client, replay_server))


def test_a_4xx_without_an_oai_body_is_a_fetch_error(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        list(dc_stream(client, replay_server))  # nothing routed: the server answers 404


def test_it_waits_out_a_503_with_retry_after(
    client: PoliteClient, replay_server: ReplayServer, sleeps: FakeSleep
) -> None:
    busy = Reply(status=503, body=b"busy", headers={"Retry-After": "7"})
    replay_server.route("/oai", [busy, Reply(body=read(DC_FILE))], metadataPrefix="oai_dc")
    replay_server.route("/oai", Reply(body=DC_PAGE_2), resumptionToken=TOKEN)

    items = list(dc_stream(client, replay_server))

    assert ids(items) == PAGE_1_IDS + PAGE_2_IDS
    assert 7.0 in sleeps.calls
    assert len(replay_server.requests) == 3


def test_pages_are_spaced_by_the_client_interval(
    replay_server: ReplayServer, sleeps: FakeSleep
) -> None:
    route_two_pages(replay_server)
    with PoliteClient(interval=3.0, retries=0, sleep=sleeps) as polite:
        list(dc_stream(polite, replay_server))

    assert len(sleeps.calls) == 1
    assert 2.0 < sleeps.calls[0] <= 3.0


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "external"])
def test_the_stream_refuses_hostile_xml_naming_the_request(
    client: PoliteClient, replay_server: ReplayServer, hostile: bytes
) -> None:
    replay_server.route("/oai", Reply(body=hostile))

    with pytest.raises(BadXml, match=r"/oai\?verb=ListRecords.*refused XML"):
        list(dc_stream(client, replay_server))


def test_the_stream_hands_back_rejections_and_notes(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    page = oai(
        "<ListRecords>"
        + arxiv_record("2401.00001")
        + arxiv_record("2401.0000x")
        + '<record><header status="deleted"><identifier>oai:arXiv.org:2401.00005</identifier>'
        "</header></record><resumptionToken/></ListRecords>"
    )
    replay_server.route("/oai", Reply(body=page))
    stream = OaiStream(
        client,
        f"{replay_server.url}/oai",
        set_spec=None,
        from_date=None,
        until_date=dt.date(2024, 1, 31),
    )

    items = list(stream)

    assert replay_server.requests[0].params == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "until": "2024-01-31",
    }
    assert [type(item) for item in items] == [PaperRecord, Rejected]
    assert stream.notes == ["record 3 (oai:arXiv.org:2401.00005): deleted at arXiv, skipped"]
    assert stream.position == 3  # the deleted record counts: it is part of the list
    assert stream.cursor == DONE_CURSOR


def test_a_server_repeating_its_token_does_not_loop_forever(
    client: PoliteClient, replay_server: ReplayServer
) -> None:
    again = oai("<ListRecords><resumptionToken>same</resumptionToken></ListRecords>")
    replay_server.route("/oai", Reply(body=again))

    with pytest.raises(OaiError, match="same"):
        list(dc_stream(client, replay_server, cursor="same"))


def test_harvest_builds_the_stream_from_positional_arguments(client: PoliteClient) -> None:
    stream = harvest(
        client, "https://oaipmh.arxiv.org/oai", "cs", dt.date(2024, 1, 25), dt.date(2024, 1, 26)
    )

    assert isinstance(stream, OaiStream)
    assert stream.metadata_prefix == "arXiv"
    assert stream.cursor == ""
    assert stream.position == 0
    assert stream.total is None
    for part in ("set cs", "from 2024-01-25", "until 2024-01-26"):
        assert part in stream.label
