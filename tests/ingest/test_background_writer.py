"""PostgreSQL: a long read writes each batch in a thread while the next batch is merged.

What must hold: the same catalogue as writing batch after batch in turn, a batch that names
a paper the batch being written names reads it only after that write, a write that loses a
race to another writer is done again, and a failure reaches the caller.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection

from paperwire.catalogue.models import Paper
from paperwire.ingest import rows as ingest_rows
from paperwire.ingest import run as ingest_run
from paperwire.ingest.run import Ingester
from paperwire.sources.listings import listing_stream

pytestmark = pytest.mark.django_db(transaction=True)


def on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL writes in the background")


def listing(tmp_path: Path, records: list[tuple[str, int, str]]) -> Path:
    """JSON Lines of daily-listing records: (id, version, title)."""
    path = tmp_path / "listing.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"{arxiv_id}v{version}",
                    "title": title,
                    "summary": f"About {title.lower()}.",
                    "authors": ["Ada Lovelace"],
                    "categories": ["cs.LG"],
                    "listing_date": "2025-01-03",
                }
            )
            + "\n"
            for arxiv_id, version, title in records
        )
    )
    return path


def writer_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads each batch was written in."""
    seen: list[str] = []
    store = Ingester._store

    def spy(self: Ingester, *args: Any) -> None:
        seen.append(threading.current_thread().name)
        store(self, *args)

    monkeypatch.setattr(Ingester, "_store", spy)
    return seen


def titles() -> dict[str, str]:
    return dict(Paper.objects.values_list("arxiv_id", "title"))


def test_batches_written_in_a_thread_make_the_catalogue_writing_in_turn_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_postgresql()
    # Batches of 3: each names a paper the one before it names (a newer version), so each
    # must read what the one before wrote.
    records = [
        ("2501.00001", 1, "One"), ("2501.00002", 1, "Two"), ("2501.00003", 1, "Three"),
        ("2501.00001", 2, "One again"), ("2501.00004", 1, "Four"), ("2501.00005", 1, "Five"),
        ("2501.00004", 2, "Four again"), ("2501.00006", 1, "Six"), ("2501.00007", 1, "Seven"),
        ("2501.00008", 1, "Eight"),
    ]  # fmt: skip
    threads = writer_threads(monkeypatch)

    summary = Ingester(progress=False, batch_size=3).run(listing_stream(listing(tmp_path, records)))

    # Three batches in the writer's thread, the last (one record) in turn; none written twice,
    # as one would be that read too early (its insert breaks the unique id, and it is redone).
    assert [name.startswith("ingest-writer") for name in threads] == [True, True, True, False]
    assert (summary.read, summary.new, summary.updated) == (10, 8, 2)
    assert titles() == {
        "2501.00001": "One again", "2501.00002": "Two", "2501.00003": "Three",
        "2501.00004": "Four again", "2501.00005": "Five", "2501.00006": "Six",
        "2501.00007": "Seven", "2501.00008": "Eight",
    }  # fmt: skip
    assert Paper.objects.get(arxiv_id="2501.00001").latest_version == 2


def test_a_write_that_loses_a_race_is_done_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_postgresql()
    records = [(f"2501.{n:05d}", 1, f"Paper {n}") for n in range(1, 10)]
    insert = ingest_rows.insert_papers
    failed: list[int] = []

    def insert_once_too_late(papers: list[Paper]) -> None:
        if not failed and threading.current_thread().name.startswith("ingest-writer"):
            failed.append(len(papers))
            raise IntegrityError("another writer made one of these papers first")
        insert(papers)

    monkeypatch.setattr(ingest_run, "insert_papers", insert_once_too_late)

    summary = Ingester(progress=False, batch_size=3).run(listing_stream(listing(tmp_path, records)))

    assert failed == [3]
    assert (summary.read, summary.new) == (9, 9)
    assert len(titles()) == 9


def test_a_failed_write_reaches_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_postgresql()
    records = [(f"2501.{n:05d}", 1, f"Paper {n}") for n in range(1, 10)]

    def broken(papers: list[Paper]) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(ingest_run, "insert_papers", broken)
    with pytest.raises(RuntimeError, match="the disk is full"):
        Ingester(progress=False, batch_size=3).run(listing_stream(listing(tmp_path, records)))
    assert not titles()
