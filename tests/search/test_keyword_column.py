"""PostgreSQL's keyword column (``catalogue_paper.search_tsv``): written NULL, filled after.

Writes leave it empty (new rows) or empty it again (a trigger, when a title, abstract or
authors change); ``fill_keyword_column`` fills what is owed, in batches several processes
can take at once. On SQLite there is no such column and the fill does nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections

from paperwire.catalogue.models import Paper
from paperwire.ingest.run import Ingester
from paperwire.search.backends.postgres import (
    FILLING_KEYWORDS,
    PostgresBackend,
    fill_keyword_column,
    keywords_owed,
)
from paperwire.search.query import parse_query
from paperwire.sources.listings import listing_stream
from tests import factories

pytestmark = pytest.mark.django_db


def on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the keyword column is PostgreSQL's")


def keywords(arxiv_id: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_tsv::text FROM catalogue_paper WHERE arxiv_id = %s", [arxiv_id]
        )
        row = cursor.fetchone()
    assert row is not None
    return None if row[0] is None else str(row[0])


def found(words: str) -> list[str]:
    return [hit.arxiv_id for hit in PostgresBackend().lexical(parse_query(words), 10)]


def test_sqlite_has_nothing_to_fill() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's case")
    factories.paper(title="Sparse attention")
    assert fill_keyword_column() == 0
    assert keywords_owed() == 0


def test_new_papers_are_owed_and_filled_once() -> None:
    on_postgresql()
    for _ in range(5):
        factories.paper()
    assert keywords_owed() == 5
    assert all(keywords(p) is None for p in Paper.objects.values_list("arxiv_id", flat=True))

    assert fill_keyword_column(batch=2) == 5  # three batches
    assert keywords_owed() == 0
    assert fill_keyword_column() == 0  # idempotent: nothing owed, nothing written
    with connection.cursor() as cursor:  # the planner settings of the fill are put back
        cursor.execute(
            "SELECT current_setting('enable_sort'), current_setting('enable_bitmapscan')"
        )
        assert cursor.fetchone() == ("on", "on")
    # Title A, authors B (the simple configuration: names unstemmed), abstract C.
    text = keywords("2501.00001")
    assert text is not None
    assert "'paper':1A,10C" in text  # "Paper number 1", "About paper number 1."
    assert "'lovelace':5B" in text  # English would have stemmed it to "lovelac"


def test_only_owed_rows_are_filled() -> None:
    on_postgresql()
    kept, owed = factories.paper(), factories.paper()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalogue_paper SET search_tsv = 'kept'::tsvector WHERE id = %s", [kept.pk]
        )
    assert fill_keyword_column() == 1
    assert keywords(kept.arxiv_id) == "'kept'"
    assert keywords(owed.arxiv_id) is not None


def test_a_changed_text_is_owed_again_and_refilled_an_unrelated_change_is_not() -> None:
    on_postgresql()
    made = factories.paper(title="Sparse attention", abstract="Nothing to see.")
    fill_keyword_column()
    assert found("sparse") == [made.arxiv_id]

    made.comments = "12 pages"  # not keyword text: the column stays
    made.save()
    assert keywords_owed() == 0

    made.title = "Dense retrieval"
    made.save()
    assert keywords(made.arxiv_id) is None
    assert fill_keyword_column() == 1
    assert found("sparse") == []
    assert found("retrieval") == [made.arxiv_id]

    made.authors = ["Grace Hopper"]
    made.save()
    assert keywords_owed() == 1
    fill_keyword_column()
    assert found("hopper") == [made.arxiv_id]


def test_an_import_that_changes_a_paper_makes_it_owed_an_unchanged_one_does_not(
    tmp_path: Path,
) -> None:
    on_postgresql()

    def listing(version: int, title: str) -> Path:
        path = tmp_path / f"v{version}.jsonl"
        record = {
            "id": f"2501.00007v{version}",
            "title": title,
            "summary": "An abstract.",
            "authors": ["Ada Lovelace"],
            "categories": ["cs.LG"],
            "listing_date": "2025-01-03",
        }
        path.write_text(json.dumps(record) + "\n")
        return path

    Ingester(progress=False).run(listing_stream(listing(1, "Sparse attention")))
    assert fill_keyword_column() == 1
    Ingester(progress=False).run(listing_stream(listing(1, "Sparse attention")))
    assert keywords_owed() == 0
    # A record of the same version only fills empty fields: a newer one changes the title.
    summary = Ingester(progress=False).run(listing_stream(listing(2, "Dense retrieval")))
    assert summary.updated == 1
    assert keywords_owed() == 1
    fill_keyword_column()
    assert found("retrieval") == ["2501.00007"]


def test_the_lexical_search_finds_a_paper_once_filled_and_says_when_some_are_owed() -> None:
    on_postgresql()
    made = factories.paper(title="Message passing in graph neural networks")
    backend = PostgresBackend()
    assert found("graph neural networks") == []
    assert backend.notices() == [FILLING_KEYWORDS]
    assert backend.status().details["keywords_owed"] == 1

    assert backend.refresh_lexical() == 1  # what an import calls at its end in this mode
    assert found("graph neural networks") == [made.arxiv_id]
    assert backend.notices() == []


# -- several fillers at once: real connections -------------------------------------------


def test_a_filler_skips_the_rows_another_holds_and_never_waits_for_them(
    transactional_db: None,
) -> None:
    on_postgresql()
    for _ in range(30):
        factories.paper()
    held = sorted(Paper.objects.values_list("pk", flat=True))[:10]
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    try:
        # Another filler in the middle of its batch: these rows are locked until it commits.
        other.execute("SELECT id FROM catalogue_paper WHERE id = ANY(%s) FOR UPDATE", [held])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '20s'")  # waiting would fail, not hang
        assert fill_keyword_column(batch=7) == 20
        other.commit()
    finally:
        other.close()
    assert fill_keyword_column() == 10  # the rows the other one let go
    assert keywords_owed() == 0


def test_two_fillers_at_once_fill_every_row_exactly_once(transactional_db: None) -> None:
    on_postgresql()
    papers = [
        Paper(
            arxiv_id=f"2502.{n:05d}",
            title=f"Paper {n}",
            abstract="words " * 50,
            authors=["Ada Lovelace"],
            categories=["cs.LG"],
            primary_category="cs.LG",
        )
        for n in range(1, 1201)
    ]
    Paper.objects.bulk_create(papers)
    counts: list[int] = []
    start = threading.Barrier(2)

    def filler() -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait()
                counts.append(fill_keyword_column(batch=20))
            finally:
                connections.close_all()  # this thread's own connection

        return run

    threads = [threading.Thread(target=filler()) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A row filled by both would be counted twice; one left out would be owed still.
    assert sum(counts) == 1200
    assert keywords_owed() == 0
