"""Every long job, killed mid-way with SIGKILL and run again, as an operator would.

Each test starts the real `paperwire` command in a child process, waits until the job's own
progress shows it is part-way (a checkpoint row, embeddings written, a progress bar), kills it
with SIGKILL (nothing to catch, nothing flushed) and runs the same command again. The rerun
must say where it picks up, read nothing twice and leave the same catalogue (or index, or
embeddings) as an uninterrupted run, or as the input says.

The digest sender has its own kill test beside its other sending tests:
tests/digests/test_send.py::test_kill_9_mid_run_then_resume_sends_each_digest_exactly_once.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from paperwire.search.documents import content_hash
from paperwire.search.embeddings import current_model_id
from paperwire.search.lexical import LexicalIndex
from paperwire.search.query import parse_query
from paperwire.search.rebuilds import REBUILDING
from paperwire.search.vectors import VectorIndex
from tests.conftest import Cli, shared
from tests.replay import ReplayServer, Reply, Request

KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"
RESUMED = re.compile(r"^Resuming .+ at '(?P<cursor>.*)': an earlier run stopped there\.$", re.M)


class Scratch:
    """The database the child processes share, read by the test itself: how far a job has
    got while it runs (without starting a process per look), and what it left behind."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.vendor = "sqlite" if url.startswith("sqlite:") else "postgresql"
        self._connection: Any = None

    def _db(self) -> Any:
        # Opened on first use: the children create the database.
        if self._connection is None:
            if self.vendor == "sqlite":
                path = self.url.removeprefix("sqlite:///")
                self._connection = sqlite3.connect(path, isolation_level=None)
            else:
                self._connection = psycopg.connect(self.url, autocommit=True)
        return self._connection

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self._db().execute(sql).fetchall())

    def value(self, sql: str) -> Any:
        rows = self.rows(sql)
        return rows[0][0] if rows else None

    def execute(self, sql: str) -> None:
        self._db().execute(sql)

    def catalogue(self) -> dict[str, tuple[Any, ...]]:
        """Every paper as stored, but for the row's key and its own timestamps."""
        cursor = self._db().execute("SELECT * FROM catalogue_paper")
        names = [column[0] for column in cursor.description]
        keep = [
            i for i, name in enumerate(names) if name not in ("id", "created_at", "modified_at")
        ]
        key = names.index("arxiv_id")
        return {row[key]: tuple(row[i] for i in keep) for row in cursor.fetchall()}

    def empty_catalogue(self) -> None:
        """Back to no papers (after the uninterrupted reference run)."""
        self._db().execute("DELETE FROM ingest_checkpoint")
        if self.vendor == "postgresql":
            # With the rows that point at papers (author names, versions): PostgreSQL checks
            # foreign keys on a raw DELETE; this plain sqlite3 connection does not.
            self._db().execute("TRUNCATE catalogue_paper CASCADE")
        else:
            self._db().execute("DELETE FROM catalogue_paper")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@pytest.fixture
def scratch(scratch_database_url: str) -> Iterator[Scratch]:
    database = Scratch(scratch_database_url)
    yield database
    database.close()


class Running:
    """A child process whose stderr is read as it comes (a progress bar ends no lines)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        while chunk := os.read(self.process.stderr.fileno(), 4096):
            self._chunks.append(chunk)

    @property
    def stderr(self) -> str:
        return b"".join(self._chunks).decode(errors="replace")

    def kill_when(self, mid_way: Callable[[], bool]) -> None:
        """SIGKILL the job as soon as ``mid_way()`` (its own progress, polled) says so."""
        deadline = time.monotonic() + 60
        while not mid_way():
            if self.process.poll() is not None:
                self._reader.join()
                pytest.fail(f"the job ended before it could be killed:\n{self.stderr}")
            assert time.monotonic() < deadline, f"the job did not get going:\n{self.stderr}"
            time.sleep(0.005)
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait() == -signal.SIGKILL
        self._reader.join()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def checkpoint(scratch: Scratch) -> tuple[str, int] | None:
    """(cursor, records done) of the read under way, if one has committed a batch."""
    rows = scratch.rows("SELECT cursor, records_done FROM ingest_checkpoint")
    return (str(rows[0][0]), int(rows[0][1])) if rows else None


def reference_then_killed(
    cli: Cli, scratch: Scratch, args: tuple[str, ...], mid_way: Callable[[tuple[str, int]], bool]
) -> tuple[dict[str, Any], dict[str, tuple[Any, ...]], tuple[str, int]]:
    """Run ``args`` through once (the reference), empty the catalogue, and run them again,
    killed once the checkpoint is ``mid_way``. Returns the reference run's summary and
    catalogue, and the checkpoint (cursor, records done) the kill left behind."""
    reference = summary(cli(*args, "--json"))
    expected = scratch.catalogue()
    assert expected
    scratch.empty_catalogue()
    job = Running(cli.popen(*args, "--json"))
    job.kill_when(lambda: (saved := checkpoint(scratch)) is not None and mid_way(saved))
    left = checkpoint(scratch)
    assert left is not None, "the kill came after the read had finished"
    assert 0 < left[1] < reference["read"]
    return reference, expected, left


def rerun(
    cli: Cli, scratch: Scratch, args: tuple[str, ...], expected: dict[str, tuple[Any, ...]]
) -> tuple[str, dict[str, Any]]:
    """The same command again: it must finish with the reference's catalogue (nothing lost,
    nothing merged twice) and forget its checkpoint. Returns its stderr and summary."""
    result = cli(*args, "--json")
    assert scratch.catalogue() == expected
    assert checkpoint(scratch) is None
    return result.stderr, summary(result)


# -- imports ---------------------------------------------------------------------------------


def kaggle_snapshot(tmp_path: Path) -> Path:
    """3,000 Kaggle records: the 200 real ones, fifteen times over under fresh ids."""
    real = [json.loads(line) for line in shared(KAGGLE).read_text().splitlines()]
    path = tmp_path / "snapshot.jsonl"
    with path.open("w") as handle:
        for copy, (number, record) in itertools.product(range(15), enumerate(real, start=1)):
            arxiv_id = f"{23 + copy // 12}{copy % 12 + 1:02d}.{number:05d}"
            handle.write(json.dumps({**record, "id": arxiv_id}) + "\n")
    return path


def daily_listings(tmp_path: Path) -> Path:
    """The first 3,000 records of the real daily listings."""
    path = tmp_path / "listings.jsonl"
    with gzip.open(shared("arxiv-cs-daily-listings/papers.jsonl.gz"), "rt") as handle:
        path.write_text("".join(itertools.islice(handle, 3000)))
    return path


def hf_days(tmp_path: Path) -> Path:
    """200 real Hugging Face days (3,234 items) as a folder: the cursor is file:item."""
    folder = tmp_path / "daily"
    folder.mkdir()
    days = sorted(shared("hf-daily-papers/daily").glob("*.json.gz"))[200:400]
    for day in days:
        shutil.copy(day, folder / day.name)
    return folder


@pytest.mark.parametrize(
    ("kind", "make_input"),
    [("kaggle", kaggle_snapshot), ("jsonl", daily_listings), ("hf-daily", hf_days)],
)
def test_a_killed_import_resumes_where_it_stopped(
    cli: Cli, scratch: Scratch, tmp_path: Path, kind: str, make_input: Callable[[Path], Path]
):
    # Small batches: a commit (and a checkpoint) every 20 records, so the kill lands mid-way.
    # The search indexes are left alone: they follow the catalogue, tested below.
    path = str(make_input(tmp_path))
    args = ("import", kind, path, "--batch-size", "20", "--no-progress", "--no-index")
    reference, expected, (cursor, done) = reference_then_killed(
        cli, scratch, args, lambda saved: saved[1] >= 600
    )
    stderr, resumed = rerun(cli, scratch, args, expected)
    said = RESUMED.search(stderr)
    assert said is not None, stderr
    assert said["cursor"] == resumed["resumed_from"] == cursor
    assert resumed["read"] == reference["read"] - done  # only what had not landed


# -- harvests --------------------------------------------------------------------------------


def test_a_killed_arxiv_harvest_resumes_at_the_page_it_stopped(
    cli: Cli, scratch: Scratch, replay_server: ReplayServer
):
    folder = shared("arxiv-api/api-2026")
    for start in range(0, 60, 10):
        body = (folder / f"query-testing_start{start}-max10.xml").read_bytes()
        # Six pages are recorded: cut the reported total so the harvest ends there. Each
        # answer takes a moment, as arXiv's do, so the kill lands between two pages.
        body = body.replace(b">214881<", b">60<")
        replay_server.route("/api/query", Reply(body=body, delay=0.15), start=str(start))
    cli.env["PAPERWIRE_ARXIV_API_URL"] = f"{replay_server.url}/api/query"
    args: tuple[str, ...] = ("harvest", "arxiv", "--category", "cs.LG", "--since", "2024-01-01")
    args += ("--until", "2024-12-31", "--batch-size", "10", "--no-progress", "--no-index")
    reference, expected, (cursor, done) = reference_then_killed(
        cli, scratch, args, lambda saved: saved[1] >= 20
    )
    assert reference["read"] == 60
    asked = len(replay_server.requests)
    stderr, resumed = rerun(cli, scratch, args, expected)
    said = RESUMED.search(stderr)
    assert said is not None, stderr
    assert said["cursor"] == cursor == str(done)
    assert resumed["read"] == 60 - done
    # It asked for the pages after the last one kept, and only those.
    assert [r.params["start"] for r in replay_server.requests[asked:]] == [
        str(start) for start in range(done, 60, 10)
    ]


OAI_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    b"<responseDate>2024-01-28T10:00:00Z</responseDate>"
    b'<request verb="ListRecords">http://export.arxiv.org/oai2</request>'
    b'<error code="badResumptionToken">The value of the resumptionToken argument is invalid '
    b"or expired.</error></OAI-PMH>"
)


class OaiList:
    """Three recorded ListRecords pages (11 records) chained by the resumption tokens of one
    session, as arXiv hands them out; ``expire`` ends the session the way arXiv's tokens
    expire: its tokens are refused, and the list read again starts a new session."""

    def __init__(self) -> None:
        folder = shared("arxiv-oai")
        self.pages = [
            (folder / "listrecords-oai_dc-cs-2024-01-25-with-resumptionToken.xml").read_bytes(),
            (folder / "listrecords-arXiv-physics_hep-th-2017-12-14.xml").read_bytes(),
            (folder / "listrecords-arXiv-physics_hep-ex-2017-12-14.xml").read_bytes(),
        ]
        self.session = 6960524

    def token(self, page: int) -> str:
        return f"{self.session}|{page}001"

    def expire(self) -> None:
        self.session += 1

    def __call__(self, request: Request) -> Reply:
        token = request.params.get("resumptionToken")
        page = 0
        if token is not None:
            session, _, cursor = token.partition("|")
            if session != str(self.session):
                return Reply(body=OAI_ERROR, delay=0.15)
            page = int(cursor) // 1000
        body = self.pages[page].replace(b"6960524|1001", self.token(1).encode())
        if page == 1:  # recorded as a list's last page: make it lead on to the third
            body = body.replace(
                b"</ListRecords>",
                f'<resumptionToken cursor="5" completeListSize="11">{self.token(2)}'
                "</resumptionToken></ListRecords>".encode(),
            )
        # Each answer takes a moment, as arXiv's do, so the kill lands between two pages.
        return Reply(body=body, delay=0.15)


@pytest.mark.parametrize("token_expired", [False, True], ids=["token-kept", "token-expired"])
def test_a_killed_oai_harvest_resumes_at_the_saved_resumption_token(
    cli: Cli, scratch: Scratch, replay_server: ReplayServer, token_expired: bool
):
    pages = OaiList()
    replay_server.route("/oai", pages)
    cli.env["PAPERWIRE_ARXIV_OAI_URL"] = f"{replay_server.url}/oai"
    args: tuple[str, ...] = ("harvest", "oai", "--set", "cs", "--from", "2024-01-25")
    args += ("--batch-size", "1", "--no-progress", "--no-index")
    second_page = pages.token(1)
    # Killed once the first page is in and the second asked for.
    reference, expected, (cursor, done) = reference_then_killed(
        cli, scratch, args, lambda saved: saved[0] == second_page
    )
    assert (reference["read"], cursor) == (11, second_page)
    assert 5 <= done < 8  # the first page's five, perhaps some of the second's
    if token_expired:
        pages.expire()
    asked = len(replay_server.requests)
    stderr, resumed = rerun(cli, scratch, args, expected)
    said = RESUMED.search(stderr)
    assert said is not None, stderr
    assert said["cursor"] == second_page
    tokens = [r.params.get("resumptionToken") for r in replay_server.requests[asked:]]
    if token_expired:
        # Refused: the list is read again from its first page, saying so.
        assert "starting the harvest over from its first page" in stderr
        assert tokens == [second_page, None, pages.token(1), pages.token(2)]
        assert resumed["read"] == 11
    else:
        assert tokens == [second_page, pages.token(2)]
        assert resumed["read"] == 6  # pages two and three: a page cut short is read whole


# -- search: embeddings and indexes ------------------------------------------------------------


def index_dir(cli: Cli) -> Path:
    return Path(cli.env["PAPERWIRE_DATA_DIR"]) / "index"


def vector_keys(cli: Cli, scratch: Scratch) -> list[int] | None:
    """The paper keys the vector index serves, one per position still alive; None where
    this database has no vector index (PostgreSQL without pgvector)."""
    if scratch.vendor == "sqlite":
        database = scratch.value("SELECT value FROM search_searchmeta WHERE name = 'database_id'")
        loaded = VectorIndex(index_dir(cli) / "vectors").open(database, current_model_id())
        return sorted(loaded.keys[loaded.alive].tolist())
    if scratch.value("SELECT to_regclass('search_pgvector')") is None:
        return None
    return [int(row[0]) for row in scratch.rows("SELECT paper_id FROM search_pgvector")]


def test_a_killed_embed_resumes_with_each_paper_embedded_once(
    cli: Cli, scratch: Scratch, tmp_path: Path
):
    sample = tmp_path / "sample.jsonl"
    # The whole sample: a fast model variant (OpenVINO on an AMX CPU) embeds a few dozen
    # papers before the poll below can see the first ten.
    sample.write_text(shared(KAGGLE).read_text())
    assert cli("import", "kaggle", str(sample), "--no-progress").returncode == 0  # none inline
    total = scratch.value("SELECT count(*) FROM catalogue_paper")
    # A commit and a vector-index sync every 10 papers: the kill lands between two.
    args = ("embed", "--sync-every", "10", "--no-progress")
    job = Running(cli.popen(*args))
    job.kill_when(lambda: scratch.value("SELECT count(*) FROM search_embedding") >= 10)
    kept = scratch.value("SELECT count(*) FROM search_embedding")
    assert 10 <= kept < total

    resumed = cli(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming: {kept} papers already embedded, {total - kept} to go." in resumed.stderr
    assert f"embedded {total - kept} papers (0 unchanged)" in resumed.stdout
    # Every paper once, from its current text and the current model.
    papers = scratch.rows("SELECT id, title, abstract FROM catalogue_paper")
    embedded = scratch.rows("SELECT paper_id, model, content_hash FROM search_embedding")
    assert sorted(embedded) == sorted(
        (pk, current_model_id(), content_hash(title, abstract)) for pk, title, abstract in papers
    )
    served = vector_keys(cli, scratch)
    if served is not None:
        assert sorted(served) == sorted(pk for pk, _, _ in papers)  # each once, none missing


def keyword_index_part_built(stderr: str) -> bool:
    """Whether the keyword index's progress bar shows some papers indexed, not all."""
    shown = re.findall(r"keyword index:[^\r\n]*?\| *(\d+)/(\d+) \[", stderr)
    return any(0 < int(done) < int(total) for done, total in shown)


def test_a_killed_reindex_is_started_over_by_the_next_run(
    cli: Cli, scratch: Scratch, tmp_path: Path, db: None
):
    listings = daily_listings(tmp_path)
    imported = cli("import", "jsonl", str(listings), "--no-progress", "--no-index")
    assert imported.returncode == 0, imported.stderr
    papers = sorted(row[0] for row in scratch.rows("SELECT arxiv_id FROM catalogue_paper"))
    # Every step of a progress bar shown, so the test sees the rebuild part-way.
    cli.env.update(TQDM_MININTERVAL="0", TQDM_MINITERS="1")
    job = Running(cli.popen("reindex"))
    if scratch.vendor == "sqlite":
        job.kill_when(lambda: keyword_index_part_built(job.stderr))
    else:
        # PostgreSQL rebuilds its keyword index in one statement (the bar goes from none
        # to all at once): killed once the bar is up, the rebuild under way.
        job.kill_when(lambda: "keyword index" in job.stderr)

    # Even the quick form (run on every start) finishes what was cut short, from the start.
    again = cli("reindex", "--if-needed", "--no-progress")
    assert again.returncode == 0, again.stderr
    assert (
        "Starting over: an earlier `paperwire reindex` stopped before it had rebuilt the "
        "keyword index and the vector index; rebuilding from the start."
    ) in again.stderr
    assert f"keyword index: {len(papers):,} papers" in again.stdout
    marks = [name for (name,) in scratch.rows("SELECT name FROM search_searchmeta")]
    assert REBUILDING not in marks  # finished: the next run has nothing to start over
    if scratch.vendor == "sqlite":  # PostgreSQL's keyword index is a column of the catalogue
        lexical = LexicalIndex(index_dir(cli) / "lexical")
        # Read here, where Django's database is the test database: give it the identity of
        # the scratch database the index was built from, or the index is refused as another's.
        from paperwire.search.models import SearchMeta

        built_from = (lexical.manifest() or {})["database"]
        SearchMeta.objects.update_or_create(name="database_id", defaults={"value": built_from})
        hits = lexical.search(parse_query(""), len(papers) + 100)
        assert sorted(hit.arxiv_id for hit in hits) == papers  # each once, none missing
