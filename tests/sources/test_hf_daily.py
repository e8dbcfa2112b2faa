"""The Hugging Face daily-papers source, against the real shared data and hand-broken inputs."""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from collections import Counter
from pathlib import Path

import orjson
import pytest

from paperwire.sources.hf_daily import HfDailyStream
from paperwire.sources.links import find_links
from paperwire.sources.records import (
    Link,
    LinkKind,
    PaperRecord,
    RecordStream,
    Rejected,
    Source,
    SourceItem,
)
from tests.conftest import shared

HF = "hf-daily-papers"


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _records(items: list[SourceItem]) -> list[PaperRecord]:
    return [item for item in items if isinstance(item, PaperRecord)]


def _rejected(items: list[SourceItem]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


def _item(
    paper_id: object = "2608.00001", upvotes: object = 3, **paper: object
) -> dict[str, object]:
    """A minimal API item in the 2026 shape."""
    fields: dict[str, object] = {
        "id": paper_id,
        "title": f"Paper {paper_id}",
        "summary": "An abstract.",
        "authors": [{"_id": "x", "name": "Ada Lovelace", "hidden": False}],
        "publishedAt": "2026-08-20T00:00:00.000Z",
        "submittedOnDailyAt": "2026-08-21T01:02:03.000Z",
        "submittedOnDailyBy": {"user": "someone"},
        "upvotes": upvotes,
    }
    fields.update(paper)
    return {"paper": {k: v for k, v in fields.items() if v is not None}, "title": "t"}


def _write_day(path: Path, items: list[object], *, compress: bool = False) -> Path:
    data = orjson.dumps(items)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture(scope="module")
def whole_directory() -> tuple[HfDailyStream, list[SourceItem]]:
    stream = HfDailyStream(shared(f"{HF}/daily"))
    return stream, list(stream)


# -- real data -------------------------------------------------------------------------------


def test_2024_sample_takes_submission_time_from_the_top_level_published_at() -> None:
    stream: RecordStream = HfDailyStream(shared(f"{HF}/samples/2024-05-28.json"))
    items = list(stream)
    records = _records(items)

    assert len(records) == len(items) == 15
    first = records[0]
    assert first.source is Source.HF_DAILY
    assert first.where == "2024-05-28.json item 0"
    assert first.arxiv_id == "2405.17247"
    assert first.title == "An Introduction to Vision-Language Modeling"
    assert first.abstract.startswith("Following the recent popularity of Large Language Models")
    assert "\n" not in first.abstract
    assert first.authors[:2] == ["Florian Bordes", "Richard Yuanzhe Pang"]
    assert len(first.authors) == 41
    assert first.upvotes == 33
    assert first.published == _utc("2024-05-27T15:01:23")
    assert first.daily_date == dt.date(2024, 5, 28)
    assert first.submitted_at == _utc("2024-05-28T03:14:41.021")
    # submittedBy only appears on 2024-06-13; links and organizations much later.
    assert first.submitted_by == ""
    assert first.links == []
    assert first.organization == ""
    assert first.categories == []
    assert [r.upvotes for r in records[:3]] == [33, 21, 14]
    assert all(r.submitted_at and r.submitted_at.date() == r.daily_date for r in records)
    assert stream.notes == []
    assert stream.unit == "B"
    assert stream.position == stream.total == 96150


def test_2026_sample_gives_submitter_links_and_organization() -> None:
    records = _records(list(HfDailyStream(shared(f"{HF}/samples/2026-08-21.json"))))

    assert len(records) == 17
    first = records[0]
    assert first.arxiv_id == "2608.19880"
    assert first.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert first.upvotes == 163
    assert first.submitted_by == "taesiri"
    assert first.submitted_at == _utc("2026-08-21T00:00:00")
    assert first.published == _utc("2026-08-20T00:00:00")
    assert first.organization == "google"
    assert first.links == [
        Link(LinkKind.GITHUB, "https://github.com/google-research/envharness"),
        Link(LinkKind.PROJECT, "https://envharness.com/"),
    ]
    assert first.authors[:2] == ["Chengsong Huang", "Zifeng Wang"]
    by_id = {r.arxiv_id: r for r in records}
    assert by_id["2608.18580"].submitted_by == "KouShi2"
    assert by_id["2608.18580"].organization == "ustc"
    assert by_id["2608.20202"].links == [
        Link(LinkKind.GITHUB, "https://github.com/zjunlp/MemTrapBench")
    ]
    assert by_id["2608.13120"].links == []
    assert all(r.daily_date == dt.date(2026, 8, 21) for r in records)


def test_malformed_sample_recovers_all_18_repr_items_and_notes_it() -> None:
    stream = HfDailyStream(shared(f"{HF}/samples/2024-12-12.json"))
    items = list(stream)
    records = _records(items)

    assert len(records) == len(items) == 18
    assert stream.notes == [
        "2024-12-12.json: 18 items were Python repr() strings, not JSON objects; recovered"
    ]
    first = records[0]
    assert first.arxiv_id == "2412.07760"
    assert first.upvotes == 39
    assert first.submitted_by == "jianhongbai"
    # From December 2024 the list for a day starts the evening before (UTC).
    assert first.submitted_at == _utc("2024-12-11T22:40:15.170")
    assert first.authors[0] == "Jianhong Bai"
    assert records[-1].arxiv_id == "2412.08467"


def test_wrapped_envelope_file_is_unwrapped_and_noted() -> None:
    stream = HfDailyStream(shared(f"{HF}/daily/2025-01-10.json.gz"))
    items = list(stream)

    assert len(_records(items)) == len(items) == 9
    assert items[0].where == "2025-01-10.json.gz item 0"
    assert _records(items)[0].arxiv_id == "2501.05441"
    assert any('read its "data" list' in note for note in stream.notes)
    assert any("9 items were Python repr() strings" in note for note in stream.notes)


def test_top_level_published_at_stops_being_the_submission_time_in_march_2025() -> None:
    # 2025-03-11 ... 03-14: no submittedOnDailyAt yet, and the top-level publishedAt is
    # paper.publishedAt shifted to US Eastern, not a submission time.
    records = _records(list(HfDailyStream(shared(f"{HF}/daily/2025-03-11.json.gz"))))
    assert records[0].arxiv_id == "2503.03601"
    assert records[0].published == _utc("2025-03-05T15:33:52")
    assert all(r.submitted_at is None and r.submitted_by == "" for r in records)

    later = _records(list(HfDailyStream(shared(f"{HF}/daily/2025-03-17.json.gz"))))
    assert later[0].submitted_at == _utc("2025-03-17T00:44:05.364")
    assert later[0].submitted_by == "kwanyoung"


def test_submitter_organization_is_read_as_the_organization() -> None:
    records = _records(list(HfDailyStream(shared(f"{HF}/daily/2025-09-29.json.gz"))))
    assert [r.organization for r in records[:2]] == ["nvidia", ""]


def test_whole_directory_yields_every_item_of_every_day_without_rejections(
    whole_directory: tuple[HfDailyStream, list[SourceItem]],
) -> None:
    stream, items = whole_directory
    expected = orjson.loads(shared(f"{HF}/items-per-day.json").read_bytes())

    assert _rejected(items) == []
    per_day = Counter(str(r.daily_date) for r in _records(items))
    assert per_day == expected
    assert sum(per_day.values()) == 9881
    assert len(stream.notes) == 23  # 22 files of repr() strings, one envelope
    assert stream.position == stream.total
    assert stream.cursor == "2026-08-21.json.gz:16"
    records = _records(items)
    assert all(r.published and r.published.tzinfo is dt.UTC for r in records)
    assert sum(r.submitted_at is None for r in records) == 85  # 2025-03-11 ... 03-14
    assert sum(bool(r.organization) for r in records) == 2912 + 78


def test_flat_file_gives_the_same_items_as_the_directory(
    whole_directory: tuple[HfDailyStream, list[SourceItem]],
) -> None:
    _, directory_items = whole_directory
    stream = HfDailyStream(shared(f"{HF}/daily-papers-flat.jsonl.gz"))
    items = list(stream)

    assert _rejected(items) == []
    assert items[0].where == "line 1"
    assert stream.cursor == "line 9881"
    assert stream.position == stream.total

    def keys(records: list[PaperRecord]) -> set[tuple[object, ...]]:
        # The fingerprint ignores the flat file's added keys, so it must match as well.
        return {(r.arxiv_id, r.daily_date, r.upvotes, r.fingerprint) for r in records}

    assert keys(_records(items)) == keys(_records(directory_items))
    assert len(keys(_records(items))) == 9881


# -- broken inputs ---------------------------------------------------------------------------


def test_non_json_file_is_rejected_by_name_and_the_next_file_still_reads(tmp_path: Path) -> None:
    (tmp_path / "2026-01-01.json").write_text("<html>rate limited</html>")
    _write_day(tmp_path / "2026-01-02.json", [_item("2601.00002")])

    stream = HfDailyStream(tmp_path)
    items = list(stream)

    assert isinstance(items[0], Rejected)
    assert items[0].where == "2026-01-01.json"
    assert items[0].reason.startswith("not JSON")
    assert [r.arxiv_id for r in _records(items)] == ["2601.00002"]
    assert stream.position == stream.total


def test_truncated_gzip_daily_file_is_rejected_by_name(tmp_path: Path) -> None:
    whole = gzip.compress(orjson.dumps([_item("2601.00001")] * 50))
    (tmp_path / "2026-01-01.json.gz").write_bytes(whole[: len(whole) // 2])
    _write_day(tmp_path / "2026-01-02.json.gz", [_item("2601.00002")], compress=True)

    items = list(HfDailyStream(tmp_path))

    first = items[0]
    assert isinstance(first, Rejected)
    assert first.where == "2026-01-01.json.gz"
    assert first.reason.startswith("cannot read the file")
    assert [r.arxiv_id for r in _records(items)] == ["2601.00002"]


def test_bad_items_are_rejected_one_by_one_and_the_rest_come_through(tmp_path: Path) -> None:
    day = _write_day(
        tmp_path / "2026-02-03.json",
        [
            _item("2602.00001"),
            _item(None),
            _item("2602.00003", upvotes="many"),
            _item("not-an-id"),
            _item("2602.00005", authors="Ada"),
            "[1, 2]",
            "__import__('os').system('false')",
            42,
            _item("2602.00009v2", upvotes=7),
        ],
    )
    stream = HfDailyStream(day)
    items = list(stream)

    assert len(items) == 9
    rejected = {r.where: r.reason for r in _rejected(items)}
    assert rejected == {
        "2026-02-03.json item 1": "no paper id",
        "2026-02-03.json item 2": "paper.upvotes is not an integer: 'many'",
        "2026-02-03.json item 3": "paper.id is not an arXiv id: 'not-an-id'",
        "2026-02-03.json item 4": "paper.authors is not a list",
        "2026-02-03.json item 5": "a string holding a Python list, not a dict",
        "2026-02-03.json item 6": rejected["2026-02-03.json item 6"],
        "2026-02-03.json item 7": "expected a JSON object, found a number",
    }
    assert rejected["2026-02-03.json item 6"].startswith("a string that is not a Python literal")
    assert [(r.arxiv_id, r.upvotes) for r in _records(items)] == [
        ("2602.00001", 3),
        ("2602.00009", 7),
    ]
    assert stream.notes == [
        "2026-02-03.json: 2 items were Python repr() strings, not JSON objects; "
        "recovered 0, rejected 2"
    ]


def test_missing_title_and_bad_timestamp_are_rejected(tmp_path: Path) -> None:
    no_title = _item("2602.00001", title="")
    no_title["title"] = None
    day = _write_day(
        tmp_path / "2026-02-03.json",
        [no_title, _item("2602.00002", publishedAt="yesterday")],
    )
    reasons = [r.reason for r in _rejected(list(HfDailyStream(day)))]
    assert reasons == ["no title", "paper.publishedAt is not a timestamp: 'yesterday'"]


def test_gzip_is_recognised_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    day = tmp_path / "2026-03-04.json"
    day.write_bytes(gzip.compress(orjson.dumps([_item("2603.00001")])))

    records = _records(list(HfDailyStream(day)))

    assert [(r.arxiv_id, r.daily_date) for r in records] == [("2603.00001", dt.date(2026, 3, 4))]


def test_links_take_only_http_urls_and_know_gitlab(tmp_path: Path) -> None:
    day = _write_day(
        tmp_path / "2026-03-04.json",
        [
            _item(
                "2603.00001",
                githubRepo="https://gitlab.com/group/project",
                projectPage=" https://example.org/p",
            ),
            _item("2603.00002", githubRepo="git@github.com:a/b.git", projectPage="N/A"),
        ],
    )
    first, second = _records(list(HfDailyStream(day)))
    assert first.links == [
        Link(LinkKind.GITLAB, "https://gitlab.com/group/project"),
        Link(LinkKind.PROJECT, "https://example.org/p"),
    ]
    assert second.links == []


def test_daily_file_without_a_date_in_its_name_is_read_and_noted(tmp_path: Path) -> None:
    day = _write_day(tmp_path / "today.json", [_item("2603.00001")])
    stream = HfDailyStream(day)
    records = _records(list(stream))
    assert records[0].daily_date is None
    assert stream.notes == [
        "today.json: no YYYY-MM-DD in the file name, so its items have no daily date"
    ]


def test_bad_json_line_is_rejected_by_line_number(tmp_path: Path) -> None:
    lines = [
        orjson.dumps({**_item("2604.00001"), "daily_date": "2026-04-01"}),
        b'{"paper": {"id": "2604.00002", "tit',
        b"",
        orjson.dumps({**_item("2604.00004"), "daily_date": "2026-04-02"}),
        orjson.dumps({**_item("2604.00005"), "daily_date": "April"}),
    ]
    flat = tmp_path / "flat.jsonl"
    flat.write_bytes(b"\n".join(lines) + b"\n")

    items = list(HfDailyStream(flat))

    assert [(r.where, r.reason[:8]) for r in _rejected(items)] == [
        ("line 2", "not JSON"),
        ("line 5", "daily_da"),
    ]
    assert [(r.where, r.arxiv_id, r.daily_date) for r in _records(items)] == [
        ("line 1", "2604.00001", dt.date(2026, 4, 1)),
        ("line 4", "2604.00004", dt.date(2026, 4, 2)),
    ]


def test_truncated_gzip_jsonl_keeps_every_complete_line(tmp_path: Path) -> None:
    body = b"".join(
        orjson.dumps({**_item(f"2604.{n:05d}"), "daily_date": "2026-04-01"}) + b"\n"
        for n in range(1, 401)
    )
    cut = gzip.compress(body)[:-300]
    flat = tmp_path / "flat.jsonl.gz"
    flat.write_bytes(cut)
    readable = zlib.decompressobj(wbits=31).decompress(cut)

    items = list(HfDailyStream(flat))

    records = _records(items)
    assert records
    assert [r.arxiv_id for r in records] == [f"2604.{n:05d}" for n in range(1, len(records) + 1)]
    # Every line that can be decompressed whole is used; only the partial last one is lost.
    assert 0 < len(records) == readable.count(b"\n") < 400
    last = items[-1]
    assert isinstance(last, Rejected)
    assert last.where == f"line {len(records) + 1}"
    assert "ends early" in last.reason


# -- cursors ---------------------------------------------------------------------------------


def _where(items: list[SourceItem]) -> list[str]:
    return [item.where for item in items]


def test_resuming_a_directory_from_a_mid_way_cursor_yields_exactly_the_rest(
    whole_directory: tuple[HfDailyStream, list[SourceItem]],
) -> None:
    _, everything = whole_directory
    stream = HfDailyStream(shared(f"{HF}/daily"))
    first_part: list[SourceItem] = []
    for item in stream:
        first_part.append(item)
        if len(first_part) == 4321:
            break
    cursor = stream.cursor
    assert cursor is not None
    assert 0 < stream.position < (stream.total or 0)

    resumed = HfDailyStream(shared(f"{HF}/daily"), cursor=cursor)
    rest = list(resumed)

    assert _where(first_part) + _where(rest) == _where(everything)
    assert resumed.position == resumed.total


def test_cursor_after_a_rejected_file_and_before_new_days(tmp_path: Path) -> None:
    _write_day(tmp_path / "2026-01-01.json", [_item("2601.00001"), _item("2601.00002")])
    (tmp_path / "2026-01-02.json").write_text("not json")
    _write_day(tmp_path / "2026-01-03.json", [_item("2601.00003")])
    stream = HfDailyStream(tmp_path)
    cursors = [(item.where, stream.cursor) for item in stream]
    assert [c for _, c in cursors] == [
        "2026-01-01.json:0",
        "2026-01-01.json:1",
        "2026-01-02.json:*",
        "2026-01-03.json:0",
    ]

    # A day added later is picked up by a stream resumed from the old cursor.
    _write_day(tmp_path / "2026-01-04.json", [_item("2601.00004")])
    assert _where(list(HfDailyStream(tmp_path, cursor="2026-01-02.json:*"))) == [
        "2026-01-03.json item 0",
        "2026-01-04.json item 0",
    ]
    assert _where(list(HfDailyStream(tmp_path, cursor="2026-01-01.json:0"))) == [
        "2026-01-01.json item 1",
        "2026-01-02.json",
        "2026-01-03.json item 0",
        "2026-01-04.json item 0",
    ]


def test_resuming_json_lines_from_a_cursor_yields_exactly_the_rest(tmp_path: Path) -> None:
    flat = tmp_path / "flat.jsonl.gz"
    flat.write_bytes(
        gzip.compress(
            b"".join(
                orjson.dumps({**_item(f"2604.{n:05d}"), "daily_date": "2026-04-01"}) + b"\n"
                for n in range(1, 31)
            )
        )
    )
    stream = HfDailyStream(flat)
    first_part = []
    for item in stream:
        first_part.append(item)
        if len(first_part) == 12:
            break
    assert stream.cursor == "line 12"

    rest = list(HfDailyStream(flat, cursor=stream.cursor))

    assert _where(first_part) + _where(rest) == [f"line {n}" for n in range(1, 31)]


def test_a_cursor_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    day = _write_day(tmp_path / "2026-01-01.json", [_item()])
    flat = tmp_path / "flat.jsonl"
    flat.write_bytes(b"")
    with pytest.raises(ValueError, match="file name"):
        HfDailyStream(day, cursor="line 3")
    with pytest.raises(ValueError, match="line <n>"):
        HfDailyStream(flat, cursor="2026-01-01.json:3")


def test_stated_links_are_normalised_like_links_found_in_abstracts(tmp_path: Path) -> None:
    day = _write_day(
        tmp_path / "2026-03-04.json",
        [
            _item(
                "2603.00001",
                githubRepo="https://github.com/RUC-NLPIR/ARPO/blob/main/",
                projectPage="https://huggingface.co/org/model",
            ),
            # An owner page is no repository; a projectPage on arXiv is not the paper's page.
            _item(
                "2603.00002",
                githubRepo="https://github.com/DFIR-Metric",
                projectPage="https://arxiv.org/html/2603.00002v1",
            ),
            # The same repository stated twice is one link.
            _item(
                "2603.00003",
                githubRepo="https://github.com/a/b.git",
                projectPage="https://github.com/a/b/",
            ),
        ],
    )
    first, second, third = _records(list(HfDailyStream(day)))
    assert first.links == [
        Link(LinkKind.GITHUB, "https://github.com/RUC-NLPIR/ARPO"),
        Link(LinkKind.HF_MODEL, "https://huggingface.co/org/model"),
    ]
    assert first.links == find_links(
        "github.com/RUC-NLPIR/ARPO/blob/main/ and https://huggingface.co/org/model"
    )
    assert second.links == []
    assert third.links == [Link(LinkKind.GITHUB, "https://github.com/a/b")]
