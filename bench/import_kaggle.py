"""Import benchmark: the Kaggle arXiv snapshot into SQLite and PostgreSQL.

What it measures (imports run with --no-index: this is the import; bench/search_speed.py
measures indexing)
    ``paperwire import kaggle FILE`` (the real console command, in a child process, so the
    memory figure is the importer's own) on a generated snapshot of ``--records`` papers:

    * the first import into a fresh SQLite catalogue,
    * a second import of the same file, where every record is unchanged,
    * the first import of a smaller file (``--small``) into another fresh catalogue, so that
      peak RSS can be compared at two input sizes (it should not grow with the input),
    * the first import and the unchanged re-import into a fresh PostgreSQL database; then,
      as the import leaves them to what follows the catalogue, the time to fill the database's
      keyword column (``search_tsv``; ``paperwire reindex --lexical-only --if-needed`` with
      ``PAPERWIRE_SEARCH_BACKEND=postgres``, which is what an import in that mode runs at its
      end and what every node's follower shares) and the time a node takes to build its own
      keyword index from the database (``paperwire reindex --lexical-only`` with the index
      backend, into an empty index directory).

    For each: records/s from the command's JSON summary (``read / seconds``: the read loop
    only, without interpreter start-up), the process's wall time, and its peak RSS (the
    child's VmHWM, sampled at 20 Hz; see ``watch_peak_rss``). The catalogue's schema is
    created by an untimed ``paperwire init`` first. Each minute the child's progress bar
    (rate so far) is logged, so a long run that is stopped still says how fast it went.

Baseline
    Each rate is also printed as a fraction of a baseline measured in the same run on the same
    file: the bare cost of reading it (gunzip, split into lines, ``orjson.loads`` of every
    line; no conversion, no database). 1.0x would be an import as fast as parsing alone.

The input
    Gzip JSON Lines in the exact schema of ``arxiv-metadata-oai-snapshot.json``, made from
    real text: titles, abstracts, authors, categories and comments from
    ``../shared/data/arxiv-cs-daily-listings/papers.jsonl.gz``, each picked independently at
    random (fixed seed), so no row is a copy of a real one; DOI, journal-ref, report-no and
    licence from the 200 real snapshot records in ``../shared/data/arxiv-kaggle-sample/``.
    Ids are fresh new-style ids month after month from 0801; one to three versions with
    RFC 822 dates in the id's month and later; abstracts hard-wrapped at 80 columns and
    non-ASCII escaped, as in the real file. Generation streams: nothing holds all records.

Run it
    .venv/bin/python bench/import_kaggle.py                  # 300,000 and 100,000 records
    .venv/bin/python bench/import_kaggle.py --records 50000 --small 20000 --skip-postgres
    .venv/bin/python bench/import_kaggle.py --workdir /tmp/pw-bench   # keep files, reuse input
    .venv/bin/python bench/import_kaggle.py --records 2700000 \
        --database postgres://postgres@127.0.0.1:5432          # PostgreSQL only

PostgreSQL is the server at ``--postgres-url`` (default postgres://postgres@127.0.0.1:5432),
or at ``--database`` when that is a PostgreSQL URL, which leaves the SQLite runs out; a fresh
database is created for the run and dropped at the end. If the server cannot be reached,
that part is skipped with a line saying why. Without ../shared/data the benchmark says
"skipped" and exits 0.

The last lines, one a database measured, for scripts:
    import_kaggle database=sqlite records=N first=X/s reimport=Y/s peak_rss=ZMB
    import_kaggle database=postgresql records=N first=X/s reimport=Y/s peak_rss=ZMB
(peak_rss: the larger of the two imports' peaks.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from common import LISTINGS, SHARED_DATA, cpu_line, loadavg, logger, paperwire_command, verdict

KAGGLE_SAMPLE = Path("arxiv-kaggle-sample") / "arxiv-metadata-oai-snapshot-200.jsonl"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"

SEED = 20070402
FIRST_MONTH = (2008, 1)  # ids start at 0801.xxxx
MONTHS = 18 * 12  # 0801 .. 2512
SHORT_MONTHS = 7 * 12  # 0801 .. 1412: four-digit numbers
MIN_PER_MONTH = 2000
MAX_PER_MONTH = 9999  # YYMM.NNNN before 2015
MAX_PER_LONG_MONTH = 99_999  # YYMM.NNNNN since
VERSION_WEIGHTS = (60, 28, 12)  # one, two, three versions

TARGET_FIRST_SQLITE = 5_000  # records/s
TARGET_FIRST_POSTGRES = 5_000  # records/s
TARGET_REIMPORT = 20_000  # records/s
TARGET_RSS_MB = 500

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CATEGORY = re.compile(r"[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?")
log = logger("bench")


# --- the real text the records are made from ---------------------------------------------


@dataclass
class Pool:
    """Real field values, each list drawn from independently."""

    titles: list[str] = field(default_factory=list)
    abstracts: list[str] = field(default_factory=list)
    authors: list[list[str]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    comments: list[str | None] = field(default_factory=list)
    publication: list[dict[str, Any]] = field(default_factory=list)  # doi, journal-ref, ...


def load_pool(data: Path) -> Pool:
    pool = Pool()
    with gzip.open(data / LISTINGS, "rb") as lines:
        for line in lines:
            paper = orjson.loads(line)
            pool.titles.append(kaggle_title(paper["title"]))
            pool.abstracts.append(kaggle_abstract(paper["summary"]))
            if paper["authors"]:
                pool.authors.append(paper["authors"])
            categories = [c for c in paper["categories"] if _CATEGORY.fullmatch(c)]
            if categories:
                pool.categories.append(" ".join(categories))
            pool.comments.append(paper["comment"])
    with open(data / KAGGLE_SAMPLE, "rb") as lines:
        for line in lines:
            real = orjson.loads(line)
            pool.publication.append(
                {key: real[key] for key in ("journal-ref", "doi", "report-no", "license")}
            )
    return pool


def kaggle_title(title: str) -> str:
    """Long titles are wrapped with a newline and two spaces in the snapshot."""
    title = " ".join(title.split())
    if len(title) <= 80:
        return title
    return textwrap.fill(title, 80, subsequent_indent="  ", break_on_hyphens=False)


def kaggle_abstract(summary: str) -> str:
    """Two leading spaces, hard wraps at 80 columns, a final newline, as in the snapshot."""
    text = summary.strip()
    if max(len(line) for line in text.split("\n")) > 90:  # not wrapped in the source
        text = textwrap.fill(" ".join(text.split()), 80, break_on_hyphens=False)
    return f"  {text}\n"


# --- generating a snapshot ---------------------------------------------------------------


def per_month(records: int) -> tuple[int, int]:
    """Papers a month before 2015 and since: the same, unless a four-digit month would overflow
    (more than 2.16 million records), when the months since 2015 take the rest."""
    in_month = max(MIN_PER_MONTH, math.ceil(records / MONTHS))
    short = min(in_month, MAX_PER_MONTH)
    rest = records - SHORT_MONTHS * short
    return short, max(in_month, math.ceil(rest / (MONTHS - SHORT_MONTHS)))


def fresh_id(index: int, sizes: tuple[int, int]) -> tuple[str, int, int]:
    """The index-th fresh id, ``per_month`` papers a month from 0801: (id, year, month)."""
    short, long = sizes
    if index < SHORT_MONTHS * short:
        months, number = divmod(index, short)
    else:
        months, number = divmod(index - SHORT_MONTHS * short, long)
        months += SHORT_MONTHS
    year, month0 = divmod(FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1 + months, 12)
    yymm = f"{year % 100:02d}{month0 + 1:02d}"
    digits = 4 if (year, month0 + 1) < (2015, 1) else 5
    return f"{yymm}.{number + 1:0{digits}d}", year, month0 + 1


def rfc822(moment: dt.datetime) -> str:
    """'Mon, 2 Apr 2007 19:18:42 GMT', the snapshot's form (no zero-padded day)."""
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day} {_MONTH_NAMES[moment.month - 1]} "
        f"{moment.year} {moment:%H:%M:%S} GMT"
    )


def version_dates(rng: random.Random, year: int, month: int) -> list[dt.datetime]:
    first = dt.datetime(year, month, rng.randint(1, 28), rng.randrange(24), rng.randrange(60))
    first += dt.timedelta(seconds=rng.randrange(60))
    dates = [first]
    for _ in range(rng.choices((0, 1, 2), weights=VERSION_WEIGHTS)[0]):
        dates.append(dates[-1] + dt.timedelta(days=rng.randint(1, 300), hours=rng.randrange(24)))
    return dates


def kaggle_authors(names: list[str], rng: random.Random) -> str:
    if len(names) > 1 and rng.random() < 0.5:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names)


def parsed_name(name: str) -> list[str]:
    first, _, last = name.strip().rpartition(" ")
    return [last, first, ""]


def make_record(
    pool: Pool, rng: random.Random, index: int, sizes: tuple[int, int]
) -> dict[str, Any]:
    arxiv_id, year, month = fresh_id(index, sizes)
    authors = rng.choice(pool.authors)
    publication = rng.choice(pool.publication)
    dates = version_dates(rng, year, month)
    return {
        "id": arxiv_id,
        "submitter": rng.choice(authors),
        "authors": kaggle_authors(authors, rng),
        "title": rng.choice(pool.titles),
        "comments": rng.choice(pool.comments),
        "journal-ref": publication["journal-ref"],
        "doi": publication["doi"],
        "report-no": publication["report-no"],
        "categories": rng.choice(pool.categories),
        "license": publication["license"],
        "abstract": rng.choice(pool.abstracts),
        "versions": [
            {"version": f"v{n}", "created": rfc822(when)} for n, when in enumerate(dates, 1)
        ],
        "update_date": dates[-1].date().isoformat(),
        "authors_parsed": [parsed_name(name) for name in authors],
    }


def generate_records(pool: Pool, records: int, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    sizes = per_month(records)
    for index in range(records):
        record = make_record(pool, rng, index, sizes)
        # The real file escapes non-ASCII (json.dumps' default); orjson cannot.
        yield json.dumps(record, separators=(",", ":")).encode() + b"\n"


def snapshot_file(workdir: Path, pool: Pool, records: int) -> Path:
    """The generated snapshot of ``records`` papers; reused if the workdir already has it."""
    path = workdir / f"kaggle-{records}-seed{SEED}.jsonl.gz"
    if path.exists():
        log(f"reusing {path}")
        return path
    log(f"generating {records:,} records into {path}")
    started = time.monotonic()
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=6) as out:
        for line in generate_records(pool, records, SEED):
            out.write(line)
    partial.rename(path)
    size = path.stat().st_size / 1e6
    log(f"  {size:,.1f} MB gzip in {time.monotonic() - started:.1f} s")
    return path


# --- the baseline: reading and parsing only ----------------------------------------------


def baseline_rate(path: Path) -> float:
    """Lines per second for gunzip + line split + orjson.loads of every line, no database."""
    count = 0
    started = time.monotonic()
    with gzip.open(path, "rb") as lines:
        for line in lines:
            orjson.loads(line)
            count += 1
    return count / (time.monotonic() - started)


# --- running the real command ------------------------------------------------------------


@dataclass
class Run:
    label: str
    records: int  # lines in the input file
    summary: dict[str, Any]
    wall: float
    peak_rss_mb: float
    baseline: float
    returncode: int

    @property
    def rate(self) -> float:
        seconds = float(self.summary.get("seconds") or 0)
        return int(self.summary.get("read", 0)) / seconds if seconds > 0 else 0.0

    @property
    def cpu_rate(self) -> float:
        """Records per second of the importer's own CPU (its read loop; not the database's):
        what it could reach on a free core, on a machine other jobs keep busy."""
        seconds = float(self.summary.get("cpu_seconds") or 0)
        return int(self.summary.get("read", 0)) / seconds if seconds > 0 else 0.0


@dataclass
class Catalogue:
    """One fresh catalogue: a data directory and a database URL."""

    name: str
    data_dir: Path
    database_url: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PAPERWIRE_DATA_DIR"] = str(self.data_dir)
        env["PAPERWIRE_DATABASE_URL"] = self.database_url
        return env


def sqlite_catalogue(workdir: Path, name: str) -> Catalogue:
    data_dir = workdir / f"catalogue-{name}"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    return Catalogue(name, data_dir, f"sqlite:///{data_dir / 'bench.sqlite3'}")


def init_catalogue(catalogue: Catalogue) -> None:
    subprocess.run(
        [*paperwire_command(), "init"],
        env=catalogue.env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run_import(catalogue: Catalogue, path: Path, label: str, records: int, baseline: float) -> Run:
    """``paperwire import kaggle`` in a child; its summary, wall time and peak RSS."""
    log(f"{label}: {records:,} records")
    out_path = catalogue.data_dir / f"{re.sub(r'[^a-z0-9]+', '-', label).strip('-')}.out"
    err_path = out_path.with_suffix(".err")
    command = [
        *paperwire_command(),
        "import",
        "kaggle",
        str(path),
        "--no-index",
        "--json",
    ]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        child = subprocess.Popen(command, env=catalogue.env(), stdout=out, stderr=err)
        peak = watch_peak_rss(child, lambda: log(f"  {progress(err_path)}"))
        wall = time.monotonic() - started
    stderr = err_path.read_text(errors="replace")
    try:
        summary = json.loads(out_path.read_text())
    except ValueError:
        raise SystemExit(
            f"{label}: the import failed (exit {child.returncode}):\n{stderr[-3000:]}"
        ) from None
    run = Run(label, records, summary, wall, peak / 1e6, baseline, child.returncode)
    log(
        f"  {run.rate:,.0f} rec/s, {wall:.1f} s wall, peak RSS {run.peak_rss_mb:,.0f} MB, "
        f"client CPU {run.cpu_rate:,.0f} rec/s"
    )
    return run


def progress(err_path: Path) -> str:
    """The child's progress bar as it last drew it (its stderr, redrawn after each CR)."""
    try:
        with open(err_path, "rb") as err:
            err.seek(max(0, err.seek(0, os.SEEK_END) - 4096))
            tail = err.read().decode(errors="replace")
    except OSError:
        return "(no progress yet)"
    drawn = [part.strip() for part in re.split(r"[\r\n]", tail) if part.strip()]
    return drawn[-1] if drawn else "(no progress yet)"


def watch_peak_rss(
    child: subprocess.Popen[bytes], every_minute: Callable[[], None] | None = None
) -> int:
    """Wait for ``child``, sampling its peak RSS in bytes 20 times a second.

    On Linux the sample is VmHWM, the kernel's own high-water mark of the process's resident
    memory, so a spike between two samples is not missed (only the last 50 ms before exit
    could be). Not ru_maxrss from wait4: that also counts, through the fork before exec, the
    resident memory of this (much bigger) benchmark process.
    """
    peak = 0
    next_report = time.monotonic() + 60
    while True:
        peak = max(peak, _high_water_mark(child.pid))
        if every_minute is not None and time.monotonic() >= next_report:
            every_minute()
            next_report += 60
        try:
            child.wait(timeout=0.05)
            return peak
        except subprocess.TimeoutExpired:
            continue


def _high_water_mark(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return _rss_now(pid)
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0  # exited: a zombie has no memory left


def _rss_now(pid: int) -> int:
    """Where there is no /proc: the current RSS (a sampled peak, so a lower bound)."""
    import psutil

    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


# --- PostgreSQL --------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def create_database(server_url: str) -> str:
    """A fresh database on the server; its name. Raises if the server cannot be reached."""
    import psycopg
    from psycopg import sql

    name = f"pw_bench_{secrets.token_hex(4)}"
    admin = with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    admin = with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def postgres_runs(
    server_url: str, workdir: Path, path: Path, records: int, baseline: float
) -> tuple[list[Run], str | None]:
    """First import and unchanged re-import on PostgreSQL, or why they were skipped."""
    try:
        name = create_database(server_url)
    except Exception as exc:  # any failure to reach the server means "skip", said out loud
        return [], f"PostgreSQL at {server_url} not usable: {type(exc).__name__}: {exc}"
    try:
        data_dir = workdir / "catalogue-postgres"
        data_dir.mkdir(parents=True, exist_ok=True)
        catalogue = Catalogue("postgres", data_dir, with_database(server_url, name))
        init_catalogue(catalogue)
        first = run_import(catalogue, path, "postgres first import", records, baseline)
        again = run_import(catalogue, path, "postgres re-import", records, baseline)
        keyword_steps(catalogue, records)
        return [first, again], None
    finally:
        drop_database(server_url, name)


KEYWORD_STEPS: list[str] = []  # what keyword_steps measured, for the report


def keyword_steps(catalogue: Catalogue, records: int) -> None:
    """After the imports: the keyword column filled, then a node's own keyword index built."""
    steps = (
        ("keyword column filled (postgres backend)", "postgres", catalogue.data_dir / "pg"),
        ("a node's own keyword index built", "index", catalogue.data_dir / "node"),
    )
    for label, backend, data_dir in steps:
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **catalogue.env(),
            "PAPERWIRE_SEARCH_BACKEND": backend,
            "PAPERWIRE_DATA_DIR": str(data_dir),
        }
        command = [*paperwire_command(), "reindex", "--lexical-only", "--if-needed"]
        log(f"{label}: {records:,} papers")
        started = time.monotonic()
        done = subprocess.run(
            [*command, "--no-progress"], env=env, capture_output=True, text=True, check=False
        )
        seconds = time.monotonic() - started
        if done.returncode:
            line = f"{label}: failed (exit {done.returncode}): {done.stderr.strip()[-500:]}"
        else:
            line = (
                f"{label}: {seconds:,.1f} s wall for {records:,} papers "
                f"({records / max(seconds, 1e-9):,.0f} papers/s; load {loadavg()})"
            )
        log(f"  {line}")
        KEYWORD_STEPS.append(line)


# --- checks and the report ---------------------------------------------------------------


def check_first(run: Run) -> list[str]:
    s = run.summary
    if s.get("read") == run.records and s.get("new") == run.records and not s.get("rejected"):
        return []
    return [f"{run.label}: expected {run.records:,} read and new, 0 rejected; got {_counts(s)}"]


def check_unchanged(run: Run) -> list[str]:
    s = run.summary
    if s.get("read") == run.records and s.get("unchanged") == s.get("read") and s.get("new") == 0:
        return []
    return [f"{run.label}: expected every record unchanged, none new; got {_counts(s)}"]


def _counts(summary: dict[str, Any]) -> str:
    keys = ("read", "new", "updated", "unchanged", "rejected")
    return ", ".join(f"{key} {summary.get(key)}" for key in keys)


def table_line(run: Run) -> str:
    ratio = run.rate / run.baseline if run.baseline else 0.0
    return (
        f"{run.label:<30} {run.records:>10,} rec {run.rate:>9,.0f} rec/s {run.wall:>7.1f} s wall"
        f"   peak RSS {run.peak_rss_mb:>5,.0f} MB   client CPU {run.cpu_rate:>7,.0f} rec/s"
        f"   (baseline parse {run.baseline:,.0f} rec/s: {ratio:.2f}x)"
    )


def rss_by_size(small: Run, big: Run) -> str:
    return (
        f"peak RSS by input size (first SQLite import): "
        f"{small.records:,} rec {small.peak_rss_mb:,.0f} MB, "
        f"{big.records:,} rec {big.peak_rss_mb:,.0f} MB "
        f"({big.records / small.records:.1f}x the input, "
        f"{big.peak_rss_mb / small.peak_rss_mb:.2f}x the memory)"
    )


def report(runs: dict[str, Run], skipped: str | None, warnings: list[str]) -> None:
    print()
    print("paperwire import kaggle (the console command, one child process per import)")
    print(cpu_line())
    print(f"load average (1, 5, 15 min) at the end: {loadavg()}")
    print(
        "rec/s = read / seconds from the command's JSON summary; wall = the whole process; "
        "peak RSS = VmHWM of the child, sampled at 20 Hz (MB = 10^6 bytes); client CPU = "
        "read / the importer's CPU seconds in its read loop (the database server's not counted)"
    )
    print(
        "baseline = the same file read in this run without a database: gunzip + lines + "
        "orjson.loads; Nx = import rate / baseline rate"
    )
    print()
    for key in ("sqlite first", "sqlite again", "sqlite small", "postgres first", "postgres again"):
        if key in runs:
            print(table_line(runs[key]))
    if skipped:
        print(f"postgres: skipped: {skipped}")
    for line in KEYWORD_STEPS:
        print(f"postgres {line}")
    if "sqlite small" in runs:
        print()
        print(rss_by_size(runs["sqlite small"], runs["sqlite first"]))
    print()
    print("targets")
    if "sqlite first" in runs:
        small, big, again = runs["sqlite small"], runs["sqlite first"], runs["sqlite again"]
        print(
            verdict(
                big.rate >= TARGET_FIRST_SQLITE,
                f"first import into SQLite >= {TARGET_FIRST_SQLITE:,} rec/s: {big.rate:,.0f}",
            )
        )
        print(
            verdict(
                again.rate >= TARGET_REIMPORT,
                f"unchanged re-import (SQLite) >= {TARGET_REIMPORT:,} rec/s: {again.rate:,.0f}",
            )
        )
        sizes = max(small.peak_rss_mb, big.peak_rss_mb) < TARGET_RSS_MB
        print(
            verdict(
                sizes,
                f"peak RSS < {TARGET_RSS_MB} MB at both sizes: {small.peak_rss_mb:,.0f} MB "
                f"({small.records:,} rec), {big.peak_rss_mb:,.0f} MB ({big.records:,} rec)",
            )
        )
    if "postgres again" in runs:
        first, pg = runs["postgres first"], runs["postgres again"]
        print(
            verdict(
                first.rate >= TARGET_FIRST_POSTGRES,
                f"first import into PostgreSQL >= {TARGET_FIRST_POSTGRES:,} rec/s: "
                f"{first.rate:,.0f}",
            )
        )
        print(
            verdict(
                pg.rate >= TARGET_REIMPORT,
                f"unchanged re-import (PostgreSQL) >= {TARGET_REIMPORT:,} rec/s: {pg.rate:,.0f}",
            )
        )
        peak = max(first.peak_rss_mb, pg.peak_rss_mb)
        print(
            verdict(
                peak < TARGET_RSS_MB, f"peak RSS (PostgreSQL) < {TARGET_RSS_MB} MB: {peak:,.0f}"
            )
        )
    for warning in warnings:
        print(f"\n!!! WARNING: {warning} !!!")
    print()
    for database, prefix in (("sqlite", "sqlite"), ("postgresql", "postgres")):
        if f"{prefix} again" in runs:
            print(last_line(database, runs[f"{prefix} first"], runs[f"{prefix} again"]))


def last_line(database: str, first: Run, again: Run) -> str:
    peak = max(first.peak_rss_mb, again.peak_rss_mb)
    return (
        f"import_kaggle database={database} records={first.records} first={first.rate:.0f}/s "
        f"reimport={again.rate:.0f}/s peak_rss={peak:.0f}MB"
    )


# --- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=300_000, help="main input size")
    parser.add_argument("--small", type=int, default=100_000, help="second size, for RSS")
    parser.add_argument("--workdir", type=Path, help="keep inputs and catalogues here")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data sets")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server URL")
    parser.add_argument(
        "--database",
        default="sqlite",
        metavar="URL",
        help="sqlite (the default: SQLite, then PostgreSQL at --postgres-url), or a PostgreSQL "
        "server URL: only PostgreSQL, in a scratch database made there and dropped after",
    )
    args = parser.parse_args(argv)
    if args.database != "sqlite":
        if urlsplit(args.database).scheme not in ("postgres", "postgresql"):
            parser.error(f"--database: sqlite or a postgres:// URL, not {args.database!r}")
        args.postgres_url = args.database
        args.skip_postgres = False
    limit = SHORT_MONTHS * MAX_PER_MONTH + (MONTHS - SHORT_MONTHS) * MAX_PER_LONG_MONTH
    for size in (args.records, args.small):
        if not 0 < size <= limit:
            parser.error(f"sizes must be between 1 and {limit:,}")
    return args


def benchmark(args: argparse.Namespace, workdir: Path) -> int:
    sqlite_too = args.database == "sqlite"
    log(cpu_line())
    log(f"loading real text from {args.data}")
    pool = load_pool(args.data)
    big = snapshot_file(workdir, pool, args.records)
    small = snapshot_file(workdir, pool, args.small) if sqlite_too else big
    del pool
    log("baseline: reading and parsing each file without a database")
    big_baseline = baseline_rate(big)
    small_baseline = baseline_rate(small) if sqlite_too else big_baseline
    if sqlite_too:
        log(f"  {small_baseline:,.0f} rec/s at {args.small:,}")
    log(f"  {big_baseline:,.0f} rec/s at {args.records:,}")

    runs: dict[str, Run] = {}
    if sqlite_too:
        sqlite_runs(args, workdir, runs, (big, big_baseline), (small, small_baseline))

    skipped: str | None = "--skip-postgres" if args.skip_postgres else None
    if not args.skip_postgres:
        pg_runs, skipped = postgres_runs(
            args.postgres_url, workdir, big, args.records, big_baseline
        )
        if pg_runs:
            runs["postgres first"], runs["postgres again"] = pg_runs

    warnings: list[str] = []
    for key, run in runs.items():
        warnings += check_unchanged(run) if key.endswith("again") else check_first(run)
        if run.returncode:
            warnings.append(f"{run.label}: the command exited with status {run.returncode}")
    report(runs, skipped, warnings)
    return 1 if warnings else 0


def sqlite_runs(
    args: argparse.Namespace,
    workdir: Path,
    runs: dict[str, Run],
    big: tuple[Path, float],
    small: tuple[Path, float],
) -> None:
    sqlite = sqlite_catalogue(workdir, "sqlite")
    init_catalogue(sqlite)
    runs["sqlite first"] = run_import(sqlite, big[0], "sqlite first import", args.records, big[1])
    runs["sqlite again"] = run_import(
        sqlite, big[0], "sqlite re-import (unchanged)", args.records, big[1]
    )
    sqlite_small = sqlite_catalogue(workdir, "sqlite-small")
    init_catalogue(sqlite_small)
    runs["sqlite small"] = run_import(
        sqlite_small, small[0], "sqlite first import (small)", args.small, small[1]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [p for p in (args.data / LISTINGS, args.data / KAGGLE_SAMPLE) if not p.is_file()]
    if missing:
        print(f"skipped: shared data not found ({', '.join(map(str, missing))})")
        return 0
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return benchmark(args, args.workdir.resolve())
    with tempfile.TemporaryDirectory(prefix="paperwire-bench-") as tmp:
        return benchmark(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
