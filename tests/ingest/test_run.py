"""Ingest into the real database: idempotent upserts, merges, rejections, resume after a crash.

These run on SQLite and, under `make test-postgres`, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import itertools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.forms.models import model_to_dict

from paperwire.catalogue.keys import name_key
from paperwire.catalogue.models import Paper
from paperwire.ingest.management.base import fewer_collections
from paperwire.ingest.models import Checkpoint
from paperwire.ingest.run import Ingester, blank_paper, saved_cursor
from paperwire.sources.arxiv_api import parse_feed
from paperwire.sources.hf_daily import HfDailyStream
from paperwire.sources.kaggle import kaggle_stream
from paperwire.sources.listings import listing_stream
from paperwire.sources.oai import parse_page
from paperwire.sources.records import ListStream, PaperRecord, Rejected, Source, SourceItem, Version
from tests.conftest import shared

pytestmark = pytest.mark.django_db
KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"


def run(stream: Any, **options: Any):
    return Ingester(progress=False, **options).run(stream)


def catalogue() -> dict[str, dict[str, Any]]:
    """Every paper with every field but the bookkeeping timestamps."""
    rows = {}
    for paper in Paper.objects.order_by("arxiv_id"):
        row = model_to_dict(paper)
        row.pop("id")
        row["fingerprints"] = sorted(paper.fingerprints)
        rows[paper.arxiv_id] = row
    return rows


def listing_head(tmp_path: Path, n: int) -> Path:
    out = tmp_path / "listing-head.jsonl"
    with gzip.open(shared("arxiv-cs-daily-listings/papers.jsonl.gz"), "rt") as handle:
        out.write_text("".join(itertools.islice(handle, n)))
    return out


def every_shared_source(tmp_path: Path) -> list[Any]:
    api = [shared("arxiv-api/api-2026"), shared("arxiv-api/classic-2016")]
    api_items: list[SourceItem] = []
    for folder in api:
        for path in sorted(folder.glob("*.xml")):
            if "abc" in path.name:
                continue  # the error feed
            api_items.extend(parse_feed(path.read_bytes()).items)
    oai_items: list[SourceItem] = []
    for path in sorted(shared("arxiv-oai").glob("*.xml")):
        oai_items.extend(parse_page(path.read_bytes()).items)
    return [
        kaggle_stream(shared(KAGGLE)),
        listing_stream(listing_head(tmp_path, 2000)),
        listing_stream(shared("arxiv-cs-daily-listings/raw/2026-07-01.jsonl")),
        ListStream(api_items, "arXiv API recordings"),
        ListStream(oai_items, "OAI-PMH recordings"),
        HfDailyStream(shared("hf-daily-papers/daily")),
    ]


def test_importing_every_shared_data_set_twice_gives_the_same_catalogue(tmp_path: Path):
    first = [run(stream) for stream in every_shared_source(tmp_path)]
    assert sum(s.rejected for s in first) == 0
    before = catalogue()
    assert len(before) > 12_000
    second = [run(stream) for stream in every_shared_source(tmp_path)]
    assert [(s.new, s.updated) for s in second] == [(0, 0)] * len(second)
    assert [s.unchanged for s in second] == [s.read for s in second]
    assert catalogue() == before


def test_a_kaggle_record_lands_with_all_its_fields():
    summary = run(kaggle_stream(shared(KAGGLE)))
    assert (summary.read, summary.new, summary.rejected) == (200, 200, 0)
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.authors[0] == "C. Balázs"
    assert paper.latest_version == 2
    assert paper.published == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=dt.UTC)
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.announced_on == dt.date(2007, 4, 3)


def test_a_newer_version_updates_the_paper_and_keeps_its_history():
    run(kaggle_stream(shared(KAGGLE)))
    newer = PaperRecord(
        arxiv_id="0704.0001",
        source=Source.ARXIV_API,
        where="entry 1",
        title="Revised title",
        versions=[Version(3, dt.datetime(2009, 1, 1, tzinfo=dt.UTC))],
    )
    summary = run(ListStream([newer], "api"))
    assert (summary.new, summary.updated) == (0, 1)
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.title == "Revised title"
    assert [v["version"] for v in paper.versions] == [1, 2, 3]
    assert paper.latest_version == 3
    assert paper.doi == "10.1103/PhysRevD.76.013009"


def test_the_same_paper_twice_in_one_batch_is_one_paper():
    a = PaperRecord(
        arxiv_id="2401.00001",
        source=Source.HF_DAILY,
        where="a",
        title="T",
        upvotes=3,
        daily_date=dt.date(2024, 1, 2),
    )
    b = PaperRecord(
        arxiv_id="2401.00001",
        source=Source.HF_DAILY,
        where="b",
        title="T",
        upvotes=9,
        daily_date=dt.date(2024, 1, 3),
    )
    summary = run(ListStream([a, b], "two"))
    assert (summary.new, summary.updated) == (1, 1)
    paper = Paper.objects.get()
    assert (paper.upvotes, paper.daily_date) == (9, dt.date(2024, 1, 2))


def test_rejected_records_are_counted_and_the_rest_lands(tmp_path: Path):
    lines = shared(KAGGLE).read_text().splitlines()[:5]
    lines.insert(2, "{broken")
    path = tmp_path / "k.jsonl"
    path.write_text("\n".join(lines) + "\n")
    reported: list[Rejected] = []
    summary = run(kaggle_stream(path), on_reject=reported.append)
    assert (summary.read, summary.new, summary.rejected) == (6, 5, 1)
    assert [r.where for r in reported] == ["line 3"]
    assert Paper.objects.count() == 5


class Crash(RuntimeError):
    pass


class CrashingStream:
    """Wraps a real stream and dies after ``after`` items, as a killed process would."""

    def __init__(self, inner: Any, after: int) -> None:
        self.inner, self.after = inner, after
        self.label, self.unit, self.total = inner.label, inner.unit, inner.total
        self.notes: list[str] = []

    @property
    def cursor(self) -> str | None:
        cursor: str | None = self.inner.cursor
        return cursor

    @property
    def position(self) -> int:
        position: int = self.inner.position
        return position

    def __iter__(self) -> Iterator[SourceItem]:
        for n, item in enumerate(self.inner, start=1):
            if n > self.after:
                raise Crash
            yield item


def test_a_crash_mid_import_resumes_with_no_duplicates_and_no_gaps():
    key = "import:test"
    with pytest.raises(Crash):
        run(
            CrashingStream(kaggle_stream(shared(KAGGLE)), after=130),
            checkpoint_key=key,
            batch_size=50,
        )
    assert Paper.objects.count() == 100  # two whole batches; the third died with the process
    assert saved_cursor(key) == "100"

    summary = run(
        kaggle_stream(shared(KAGGLE), cursor=saved_cursor(key)), checkpoint_key=key, batch_size=50
    )
    assert summary.resumed_from == "100"
    assert (summary.read, summary.new) == (100, 100)
    ids = list(Paper.objects.values_list("arxiv_id", flat=True))
    assert len(ids) == len(set(ids)) == 200
    assert not Checkpoint.objects.filter(key=key).exists()  # done: nothing left to resume


def oai_record(number: int, published: dt.datetime) -> PaperRecord:
    """An OAI-PMH ``arXiv``-format record: no listing day, its first version only a date."""
    arxiv_id = f"2506.{number:05d}"
    return PaperRecord(arxiv_id, Source.OAI, arxiv_id, title=f"Paper {number}", published=published)


def listing_record(number: int, day: dt.date) -> PaperRecord:
    arxiv_id = f"2506.{number:05d}"
    return PaperRecord(
        arxiv_id, Source.LISTING, arxiv_id, title=f"Paper {number}", listing_date=day
    )


def test_an_import_re_dates_earlier_papers_when_their_id_neighbours_arrive():
    # OAI gave only the date Tuesday 10 June 2025: by the schedule, Wednesday's list.
    bare = dt.datetime(2025, 6, 10, tzinfo=dt.UTC)
    run(ListStream([oai_record(120, bare)], "OAI-PMH"))
    assert Paper.objects.get(arxiv_id="2506.00120").announced_on == dt.date(2025, 6, 11)
    # Thursday's listing arrives: the ids around it were all announced that day.
    thursday = dt.date(2025, 6, 12)
    neighbours: list[SourceItem] = [listing_record(n, thursday) for n in (100, 110, 130, 140)]
    run(ListStream(neighbours, "listing"), batch_size=2)
    assert Paper.objects.get(arxiv_id="2506.00120").announced_on == thursday


def test_re_merging_a_re_dated_paper_keeps_the_neighbours_day():
    # Merge gives the schedule's day again; the same batch's pass gives the block's back.
    thursday = dt.date(2025, 6, 12)
    run(ListStream([listing_record(n, thursday) for n in (100, 110, 130, 140)], "listing"))
    bare = dt.datetime(2025, 6, 10, tzinfo=dt.UTC)
    run(ListStream([oai_record(120, bare)], "OAI-PMH"))
    assert Paper.objects.get(arxiv_id="2506.00120").announced_on == thursday
    newer = oai_record(120, bare)
    newer.abstract = "Now with an abstract."
    run(ListStream([newer], "OAI-PMH"))
    assert Paper.objects.get(arxiv_id="2506.00120").announced_on == thursday


# -- the import's shortcuts give what the long way gives -----------------------------------


def test_a_blank_paper_is_the_model_s_own_new_paper():
    fields = [f.attname for f in Paper._meta.concrete_fields]
    made, blank = Paper(arxiv_id="2501.00001"), blank_paper("2501.00001")
    assert [getattr(blank, name) for name in fields] == [getattr(made, name) for name in fields]
    assert (blank._state.adding, blank._state.db) == (True, None)
    assert blank.__dict__.keys() == made.__dict__.keys()
    other = blank_paper("2501.00002")
    assert other.authors is not blank.authors  # each paper its own lists
    assert other.fingerprints is not blank.fingerprints


def test_an_ascii_name_keys_as_the_unicode_path_would():
    # Every ASCII character, and names as the snapshot has them.
    for name in ("".join(map(chr, range(128))), "J. R. R.  Tolkien", "O'Neil-Smith, Jr.", ""):
        decomposed = unicodedata.normalize("NFKD", name)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        assert name_key(name) == " ".join(re.findall(r"\w+", bare.casefold()))
    assert name_key("José  García-Núñez") == "jose garcia nunez"  # the Unicode path still


def test_a_command_s_read_collects_less_often_and_gives_the_settings_back():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == 10_000
        assert gc.get_freeze_count() > 0  # what was alive at the start is left out of passes
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
