"""How one source's record folds into the catalogue's row: the merge rules, one by one."""

from __future__ import annotations

import datetime as dt

from paperwire.catalogue.models import Paper
from paperwire.ingest.merge import merge
from paperwire.sources.records import Link, LinkKind, PaperRecord, Source, Version

T1 = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
T2 = dt.datetime(2024, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
T3 = dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


def record(**fields: object) -> PaperRecord:
    defaults: dict[str, object] = {
        "arxiv_id": "2401.01234",
        "source": Source.KAGGLE,
        "where": "line 1",
    }
    return PaperRecord(**{**defaults, **fields})  # type: ignore[arg-type]


def test_a_new_paper_takes_everything_the_record_says():
    paper = Paper(arxiv_id="2401.01234")
    changed = merge(
        paper,
        record(
            title="T",
            abstract="A",
            authors=["B", "A"],
            categories=["cs.LG", "stat.ML"],
            versions=[Version(1, T1), Version(2, T2)],
            doi="10.1/x",
            fingerprint="f1",
        ),
    )
    assert changed
    assert paper.authors == ["B", "A"]
    assert paper.primary_category == "cs.LG"
    assert paper.versions == [
        {"version": 1, "created": "2024-01-02T03:04:05Z"},
        {"version": 2, "created": "2024-03-01T12:00:00Z"},
    ]
    assert paper.latest_version == 2
    assert paper.published == T1
    assert paper.updated == T2
    # Submitted Monday 22:04 US Eastern: past the cut-off, so in Tuesday evening's
    # announcement, which is Wednesday's list.
    assert paper.announced_on == dt.date(2024, 1, 3)
    assert paper.sources == ["kaggle"]
    assert paper.fingerprints == ["f1"]


def test_the_same_record_twice_changes_nothing():
    paper = Paper(arxiv_id="2401.01234")
    rec = record(title="T", versions=[Version(1, T1)], upvotes=3, daily_date=T1.date())
    merge(paper, rec)
    assert not merge(paper, rec)


def test_a_newer_version_updates_the_text_and_keeps_the_history():
    paper = Paper(arxiv_id="2401.01234")
    merge(
        paper,
        record(title="Old title", abstract="old", versions=[Version(1, T1)], journal_ref="J1"),
    )
    changed = merge(
        paper,
        record(
            source=Source.ARXIV_API,
            title="New title",
            abstract="new",
            versions=[Version(1, T1), Version(3, T3)],
        ),
    )
    assert changed
    assert paper.title == "New title"
    assert paper.abstract == "new"
    assert paper.journal_ref == "J1"  # the newer record says nothing of it: kept
    assert [v["version"] for v in paper.versions] == [1, 3]
    assert paper.latest_version == 3
    assert paper.updated == T3


def test_an_older_version_only_fills_what_is_missing():
    paper = Paper(arxiv_id="2401.01234")
    merge(paper, record(title="v3 title", versions=[Version(3, T3)]))
    merge(paper, record(title="v1 title", doi="10.1/x", versions=[Version(1, T1)]))
    assert paper.title == "v3 title"
    assert paper.doi == "10.1/x"
    assert paper.published == T1
    assert paper.latest_version == 3


def test_two_sources_merge_into_one_paper():
    paper = Paper(arxiv_id="2401.01234")
    merge(
        paper,
        record(
            source=Source.LISTING,
            title="T",
            abstract="A",
            categories=["cs.CV"],
            listing_date=dt.date(2024, 1, 4),
        ),
    )
    merge(
        paper,
        record(
            source=Source.HF_DAILY,
            title="T (HF)",
            upvotes=12,
            submitted_by="alice",
            daily_date=dt.date(2024, 1, 5),
            submitted_at=T2,
            links=[Link(LinkKind.GITHUB, "https://github.com/a/b")],
        ),
    )
    assert paper.title == "T"  # neither states a version: the first text stays
    assert paper.categories == ["cs.CV"]
    assert paper.upvotes == 12
    assert paper.submitted_by == "alice"
    assert paper.daily_date == dt.date(2024, 1, 5)
    assert paper.announced_on == dt.date(2024, 1, 4)
    assert paper.links == [{"kind": "github", "url": "https://github.com/a/b"}]
    assert paper.sources == ["listing", "hf-daily"]


def test_a_paper_without_a_listing_day_takes_the_day_arxiv_lists_it():
    saturday = dt.datetime(2025, 6, 7, 10, 0, tzinfo=dt.UTC)
    paper = Paper(arxiv_id="2506.06789")
    merge(paper, record(source=Source.ARXIV_API, title="T", versions=[Version(1, saturday)]))
    # Weekend submissions wait for Monday evening's announcement: Tuesday's list.
    assert paper.announced_on == dt.date(2025, 6, 10)


def test_a_known_time_of_day_wins_over_a_bare_date_of_the_same_day():
    # Hugging Face gives only the date (midnight UTC); the arXiv API the time, after the
    # 14:00 Eastern cut-off of Tuesday 3 June 2025: Wednesday evening's announcement.
    paper = Paper(arxiv_id="2506.02345")
    bare = dt.datetime(2025, 6, 3, tzinfo=dt.UTC)
    timed = dt.datetime(2025, 6, 3, 19, 30, tzinfo=dt.UTC)
    merge(paper, record(source=Source.HF_DAILY, title="T", published=bare))
    assert paper.announced_on == dt.date(2025, 6, 4)
    merge(paper, record(source=Source.ARXIV_API, title="T", versions=[Version(1, timed)]))
    assert paper.published == timed
    assert paper.announced_on == dt.date(2025, 6, 5)


def test_a_listing_day_wins_over_the_schedule():
    paper = Paper(arxiv_id="2506.06789")
    merge(
        paper,
        record(
            source=Source.ARXIV_API,
            title="T",
            versions=[Version(1, dt.datetime(2025, 6, 7, 10, 0, tzinfo=dt.UTC))],
        ),
    )
    # Held a day in moderation: the real list says Wednesday.
    merge(paper, record(source=Source.LISTING, title="T", listing_date=dt.date(2025, 6, 11)))
    assert paper.announced_on == dt.date(2025, 6, 11)


def test_the_first_community_day_and_the_highest_upvote_count_win():
    paper = Paper(arxiv_id="2401.01234")
    merge(
        paper,
        record(
            source=Source.HF_DAILY,
            title="T",
            daily_date=dt.date(2024, 2, 2),
            submitted_by="late",
            upvotes=40,
        ),
    )
    merge(
        paper,
        record(
            source=Source.HF_DAILY,
            title="T",
            daily_date=dt.date(2024, 2, 1),
            submitted_by="early",
            upvotes=7,
        ),
    )
    assert paper.daily_date == dt.date(2024, 2, 1)
    assert paper.submitted_by == "early"
    assert paper.upvotes == 40


def test_links_in_the_abstract_and_comments_are_found():
    paper = Paper(arxiv_id="2401.01234")
    merge(
        paper,
        record(
            title="T",
            abstract="Code: https://github.com/org/repo.",
            comments="Project page: https://org.github.io/proj",
        ),
    )
    assert paper.links == [
        {"kind": "github", "url": "https://github.com/org/repo"},
        {"kind": "project", "url": "https://org.github.io/proj"},
    ]


def test_a_new_fingerprint_alone_is_not_a_change():
    paper = Paper(arxiv_id="2401.01234")
    merge(paper, record(title="T", fingerprint="a"))
    assert not merge(paper, record(title="T", fingerprint="b"))
    assert paper.fingerprints == ["a", "b"]
