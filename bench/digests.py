"""Digest benchmark: composing a day's digests for 100,000 subscribers, and delivering them.

What it measures
    On a fresh SQLite catalogue of real papers, with ``--subscribers`` confirmed daily
    subscribers of three topics each:

    * **compose**: ``compose_period(period)`` for the daily period of the real listing day with
      the most papers (wall and CPU seconds, subscribers/s), against a 60 s target;
    * **deliver**: ``Sender(rate=0).send_period(period)`` (the real sender, renderer and
      SMTP transport with its commit point, every database write it does) into an SMTP sink
      on 127.0.0.1 that runs in a separate process, in messages/s, against a target of at
      least 50% of the baseline below.

Baseline
    Raw ``smtplib``: one connection, ``sendmail`` of the same number of messages to the same
    sink, each the same fixed bytes: a real rendered digest of this run (the median size of a
    sample of 200). It is measured twice, just before and just after the sender, and the
    ratio is taken against the mean of the two (the machine may be shared: see the load
    averages printed with the figures). The ratio is the price of rendering each message,
    the commit point and the delivery bookkeeping, against the wire alone.

The data
    Catalogue: ``paperwire import jsonl`` of the 74,728 real CS papers in
    ``../shared/data/arxiv-cs-daily-listings/papers.jsonl.gz`` and ``paperwire import
    hf-daily`` of ``../shared/data/hf-daily-papers/daily`` (real upvotes), both through the
    console command in a child process, ``--no-index`` (the composer reads the database).
    The day of new papers is the day with the most papers in that catalogue (each paper's day
    is its Hugging Face daily date, else its arXiv listing day): 2026-06-02, 730 papers. The
    listings cover cs.CV, cs.GR, cs.CL and cs.AI with their cross-lists, so the fullest day
    is smaller than a day of all of CS (1,000-1,500). That day's papers, and only they, are
    embedded with the real model (all-MiniLM-L6-v2, int8 ONNX) by the embedding job's batch
    function in a child process, so the composer matches topics by meaning as in production.

    Subscribers: a CSV (``email,frequency,topics``) loaded by the real ``import_subscribers``
    (timed on its own, not part of compose). Each subscriber has three distinct topics drawn
    with a Zipf popularity (weight 1/rank) from a pool made from the same real papers: the
    most frequent title bigrams and trigrams (some as "quoted phrases"), ``cat:`` for every
    arXiv category with 100+ papers, ``author:"Name"`` for the most prolific authors, and
    keyword + ``cat:`` / ``has:code`` combinations. The number of distinct topics is printed.

Run it
    .venv/bin/python bench/digests.py                      # 100,000 subscribers, send all
    .venv/bin/python bench/digests.py --subscribers 2000   # a smoke test, about four minutes
    .venv/bin/python bench/digests.py --send 5000          # deliver 5,000 on each side
    .venv/bin/python bench/digests.py --keep /tmp/pw-dig   # keep (and reuse) the catalogue

``--send N`` delivers the first N composed digests (by id); the others are given a next
attempt a year away before the sender starts, so it leaves them for later. At the sender's
1,000 messages/s (docs/digests.md, "Speed") all 100,000 take under two minutes, plus the
baseline's two runs. The sink is a
minimal SMTP sink in a child process by default (``--sink minimal``: it answers every
command at once and counts the messages; it offers SMTP PIPELINING as Postfix and Exim do,
which raw smtplib never uses and the sender does; ``--no-pipelining``: not offered);
``--sink aiosmtpd`` uses ``python -m aiosmtpd``
with its ``Sink`` handler instead. Without ../shared/data the benchmark says "skipped" and
exits 0. The last line is machine-readable:
``digests compose=XX.Xs deliver=XXX/s raw=XXX/s ratio=0.XX``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import gzip
import json
import os
import random
import re
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from common import (
    HF_DAILY,
    LISTINGS,
    SHARED_DATA,
    loadavg,
    logger,
    paperwire_command,
    verdict,
)

SEED = 20260602
TARGET_COMPOSE_S = 60.0
TARGET_RATIO = 0.5
TOPICS_EACH = 3
ZIPF_EXPONENT = 1.0
SAMPLE_FOR_SIZE = 200
FROM = "digests@paperwire.bench"
TO = "reader@example.org"
CATALOGUE_MARK = "bench-catalogue.json"
log = logger("bench")

_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_CATEGORY = re.compile(r"[a-z][a-z\-]*\.[A-Z]{2}")
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
    "in", "into", "is", "it", "its", "of", "on", "or", "over", "our", "the", "their", "this",
    "to", "toward", "towards", "under", "via", "vs", "we", "what", "when", "where", "which",
    "while", "who", "why", "with", "without", "beyond", "through", "across", "using", "based",
    "new", "more", "all", "not", "one", "two", "than", "your", "you", "study", "approach",
    "method", "methods",
})  # fmt: skip


@dataclass
class Timed:
    wall: float = 0.0
    cpu: float = 0.0  # this process, every thread

    @classmethod
    @contextlib.contextmanager
    def run(cls) -> Iterator[Timed]:
        timed = cls()
        wall, cpu = time.monotonic(), time.process_time()
        try:
            yield timed
        finally:
            timed.wall = time.monotonic() - wall
            timed.cpu = time.process_time() - cpu


# --- the SMTP sink (a child process) -----------------------------------------------------


@dataclass
class SinkStats:
    connections: int = 0
    messages: int = 0
    data_bytes: int = 0


class _SinkProtocol(asyncio.Protocol):
    """Just enough SMTP for smtplib: 250 to everything, 354 to DATA, counts what ends."""

    def __init__(self, stats: SinkStats, pipelining: bool) -> None:
        self.stats = stats
        self.pipelining = pipelining
        self.buffer = b""
        self.in_data = False
        self.tail = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.stats.connections += 1
        transport.write(b"220 127.0.0.1 paperwire bench sink\r\n")

    def data_received(self, data: bytes) -> None:
        if self.in_data:
            self._data(data)
            return
        self.buffer += data
        while not self.in_data and b"\r\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            self._command(line)
        if self.in_data and self.buffer:
            rest, self.buffer = self.buffer, b""
            self._data(rest)

    def _reply(self, text: bytes) -> None:
        assert self.transport is not None
        self.transport.write(text)

    def _command(self, line: bytes) -> None:
        verb = line[:4].upper()
        if verb == b"EHLO":
            # PIPELINING, like Postfix and Exim: smtplib (the baseline) never uses it; the
            # sender does when offered
            self._reply(b"250-127.0.0.1\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n")
        elif verb == b"DATA":
            self.in_data, self.tail = True, b"\r\n"  # the CRLF before DATA's first line
            self._reply(b"354 end data with <CR><LF>.<CR><LF>\r\n")
        elif verb == b"QUIT":
            self._reply(b"221 bye\r\n")
            assert self.transport is not None
            self.transport.close()
        elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
            self._reply(b"250 OK\r\n")
        else:
            self._reply(b"500 unknown command\r\n")

    def _data(self, data: bytes) -> None:
        joined = self.tail + data
        end = joined.find(b"\r\n.\r\n")
        if end < 0:
            self.stats.data_bytes += len(data)
            self.tail = joined[-4:]
            return
        self.stats.data_bytes += end + 5 - len(self.tail)
        self.stats.messages += 1
        self.in_data, self.tail = False, b""
        self._reply(b"250 OK queued\r\n")
        rest = joined[end + 5 :]
        if rest:
            self.data_received(rest)


def serve_minimal_sink(pipelining: bool) -> None:
    """The child: listen on an ephemeral port, print it, count until SIGTERM, print counts."""

    async def serve() -> SinkStats:
        stats = SinkStats()
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        server = await loop.create_server(lambda: _SinkProtocol(stats, pipelining), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await stop.wait()
        server.close()
        return stats

    stats = asyncio.run(serve())
    print(json.dumps(stats.__dict__), flush=True)


class Sink:
    """The sink's child process: minimal (counts messages) or aiosmtpd's Sink handler."""

    def __init__(self, kind: str, pipelining: bool = True) -> None:
        self.kind = kind
        self.pipelining = pipelining and kind == "minimal"
        if kind == "minimal":
            flags = [] if pipelining else ["--no-pipelining"]
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--serve-sink", *flags],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert self.process.stdout is not None
            first = self.process.stdout.readline().split()
            if len(first) != 2 or first[0] != "PORT":
                raise SystemExit(f"the SMTP sink did not start: {first!r}")
            self.port = int(first[1])
        else:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    f"127.0.0.1:{self.port}",
                    "-c",
                    "aiosmtpd.handlers.Sink",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=5) as smtp:
                    smtp.noop()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"the SMTP sink on 127.0.0.1:{self.port} did not answer in 30 s")

    @property
    def label(self) -> str:
        what = "minimal asyncio SMTP sink" if self.kind == "minimal" else "aiosmtpd Sink handler"
        what += ", offers PIPELINING" if self.pipelining else ", no PIPELINING"
        return f"{what}, pid {self.process.pid}, 127.0.0.1:{self.port}"

    def stop(self) -> SinkStats | None:
        if self.process.returncode is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        if self.kind != "minimal":
            return None
        lines = out.strip().splitlines()
        return SinkStats(**json.loads(lines[-1])) if lines else None


# --- the catalogue -----------------------------------------------------------------------


def run_json(command: list[str], label: str) -> tuple[dict[str, Any], float]:
    """A console command with --json in a child: its summary and wall time."""
    log(label)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"{label} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    log(f"  {_counts(summary)} in {wall:.1f} s")
    return summary, wall


def _counts(summary: dict[str, Any]) -> str:
    keys = ("read", "new", "updated", "unchanged", "rejected")
    return " · ".join(f"{key} {summary.get(key, 0):,}" for key in keys)


@dataclass
class Catalogue:
    papers: int = 0
    listings: dict[str, Any] = field(default_factory=dict)
    hf: dict[str, Any] = field(default_factory=dict)
    listings_s: float = 0.0
    hf_s: float = 0.0
    reused: bool = False


def build_catalogue(data: Path, data_dir: Path) -> Catalogue:
    mark = data_dir / CATALOGUE_MARK
    if mark.exists():
        log(f"reusing the catalogue in {data_dir}")
        return Catalogue(**{**json.loads(mark.read_text()), "reused": True})
    subprocess.run([*paperwire_command(), "init"], check=True, stdout=subprocess.DEVNULL)
    flags = ["--no-index", "--no-progress", "--json"]
    listings, listings_s = run_json(
        [*paperwire_command(), "import", "jsonl", str(data / LISTINGS), *flags],
        f"paperwire import jsonl {data / LISTINGS}",
    )
    hf, hf_s = run_json(
        [*paperwire_command(), "import", "hf-daily", str(data / HF_DAILY), *flags],
        f"paperwire import hf-daily {data / HF_DAILY}",
    )
    for summary in (listings, hf):
        summary.pop("notes", None)
        summary.pop("rejections", None)
    catalogue = Catalogue(0, listings, hf, listings_s, hf_s)
    mark.write_text(json.dumps({k: v for k, v in catalogue.__dict__.items() if k != "reused"}))
    return catalogue


def fullest_day() -> tuple[dt.date, int]:
    """The day with the most visible papers, each paper on its day (daily date, else listing)."""
    from django.db.models import Count
    from django.db.models.functions import Coalesce

    from paperwire.catalogue.models import Paper

    row = (
        Paper.objects.visible()
        .annotate(listed=Coalesce("daily_date", "announced_on"))
        .filter(listed__isnull=False)
        .values("listed")
        .annotate(n=Count("id"))
        .order_by("-n", "-listed")
        .first()
    )
    if row is None:
        raise SystemExit("the catalogue has no dated papers")
    return row["listed"], row["n"]


def embed_day_child(day: dt.date) -> None:
    """The child: embed the visible papers of ``day`` (only those) with the real model."""
    setup_django()
    from paperwire.catalogue.models import Paper
    from paperwire.search.embedding_jobs import BATCH, _embed_batch
    from paperwire.search.embeddings import get_embedder

    started = time.monotonic()
    embedder = get_embedder()
    rows = list(
        Paper.objects.visible()
        .in_days(day, day)
        .order_by("pk")
        .values("pk", "title", "abstract", "embedding__model", "embedding__content_hash")
    )
    encoded = unchanged = 0
    for start in range(0, len(rows), BATCH):
        # The bench is the only writer: it claims nothing, so it releases nothing.
        new, same = _embed_batch(embedder, rows[start : start + BATCH], "bench", [])
        encoded, unchanged = encoded + new, unchanged + same
        log(f"  embedded {start + len(rows[start : start + BATCH]):,}/{len(rows):,}")
    print(
        json.dumps(
            {
                "model": embedder.model_id,
                "papers": len(rows),
                "encoded": encoded,
                "unchanged": unchanged,
                "seconds": time.monotonic() - started,
            }
        )
    )


def embed_day(day: dt.date) -> dict[str, Any]:
    log(f"embedding the {day} papers with the real model (a child process)")
    done = subprocess.run(
        [sys.executable, __file__, "--embed-day", day.isoformat()],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"embedding the day's papers failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    log(
        f"  {result['papers']:,} papers: {result['encoded']:,} encoded, "
        f"{result['unchanged']:,} already there, {result['seconds']:.1f} s"
    )
    return result


# --- subscribers -------------------------------------------------------------------------


@dataclass
class TopicPool:
    queries: list[str]
    kinds: list[str]
    cumulative: list[float]  # Zipf weights by rank, cumulated, for random.choices

    def draw(self, rng: random.Random, count: int) -> list[str]:
        picked: list[str] = []
        while len(picked) < count:
            query = rng.choices(self.queries, cum_weights=self.cumulative)[0]
            if query not in picked:
                picked.append(query)
        return picked


def topic_pool(data: Path, rng: random.Random, keywords: int) -> TopicPool:
    """Queries people would subscribe to, ranked by how often the real papers carry them."""
    bigrams: Counter[str] = Counter()
    trigrams: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    authors: Counter[str] = Counter()
    with gzip.open(data / LISTINGS, "rb") as lines:
        for line in lines:
            paper = orjson.loads(line)
            words = _TOKEN.findall(paper["title"].lower())
            run: list[str] = []
            for word in [*words, ""]:
                if word and word not in _STOP and len(word) > 1:
                    run.append(word)
                    continue
                bigrams.update(" ".join(run[i : i + 2]) for i in range(len(run) - 1))
                trigrams.update(" ".join(run[i : i + 3]) for i in range(len(run) - 2))
                run = []
            categories.update(c for c in paper["categories"] if _CATEGORY.fullmatch(c))
            authors.update(" ".join(a.split()) for a in paper["authors"] if '"' not in a)
    n_tri = keywords // 3
    grams = [g for g, _ in bigrams.most_common(keywords - n_tri)]
    grams += [g for g, _ in trigrams.most_common(n_tri)]
    grams.sort(key=lambda g: -(bigrams.get(g) or trigrams[g] * 3))  # a trigram is rarer
    scored: list[tuple[float, str, str]] = []
    top = bigrams.most_common(1)[0][1]
    for gram in grams:
        share = (bigrams.get(gram) or trigrams[gram] * 3) / top
        query = f'"{gram}"' if rng.random() < 0.25 else gram
        scored.append((share, "keywords", query))
    top_cat = categories.most_common(1)[0][1]
    for cat, count in categories.items():
        if count >= 100:
            scored.append((0.5 * count / top_cat, "cat:", f"cat:{cat}"))
    top_author = authors.most_common(1)[0][1]
    for name, count in authors.most_common(keywords // 5):
        scored.append((0.05 * count / top_author, "author:", f'author:"{name}"'))
    common_cats = [c for c, _ in categories.most_common(8)]
    for gram in grams[: keywords // 5]:
        share = (bigrams.get(gram) or trigrams[gram] * 3) / top
        extra = "has:code" if rng.random() < 0.2 else f"cat:{rng.choice(common_cats)}"
        scored.append((0.2 * share, "combined", f"{gram} {extra}"))
    scored.sort(key=lambda s: -s[0])
    seen: set[str] = set()
    queries: list[str] = []
    kinds: list[str] = []
    cumulative: list[float] = []
    total = 0.0
    for _, kind, query in scored:
        if query in seen:
            continue
        seen.add(query)
        total += 1.0 / (len(queries) + 1) ** ZIPF_EXPONENT
        queries.append(query)
        kinds.append(kind)
        cumulative.append(total)
    return TopicPool(queries, kinds, cumulative)


def write_subscribers(path: Path, pool: TopicPool, count: int, rng: random.Random) -> Counter[str]:
    """The CSV for import_subscribers; how many subscribers chose each topic."""
    chosen: Counter[str] = Counter()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "frequency", "topics"])
        for number in range(count):
            topics = pool.draw(rng, TOPICS_EACH)
            chosen.update(topics)
            writer.writerow([f"reader{number:07d}@example.org", "daily", ";".join(topics)])
    return chosen


def clear_digests() -> None:
    """With --keep: start from no subscribers, digests, receipts or deliveries."""
    from django.db import connection, transaction

    from paperwire.digests.models import Delivery, Digest, Received, Subscriber, Topic

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Received, Delivery, Digest, Topic, Subscriber):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


# --- delivery ----------------------------------------------------------------------------


def ticker(label: str, total: int, every: int) -> Callable[[int], None]:
    done = 0
    started = time.monotonic()

    def tick(n: int) -> None:
        nonlocal done
        before, done = done, done + n
        if done // every != before // every or done == total:
            rate = done / max(time.monotonic() - started, 1e-9)
            log(f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s)")

    return tick


def fixed_message(period: Any, sample: int) -> tuple[bytes, list[int]]:
    """A real rendered digest of median size among the first ``sample``: its bytes, and sizes."""
    from paperwire.digests.models import Digest
    from paperwire.digests.render import Renderer

    renderer = Renderer(period)
    digests = list(
        Digest.objects.filter(frequency=period.frequency, period_start=period.first)
        .select_related("subscriber")
        .order_by("pk")[:sample]
    )
    rendered: list[bytes] = []
    for digest in digests:
        message = renderer.message(digest, digest.subscriber.email).message()
        rendered.append(message.as_bytes(linesep="\r\n"))
    rendered.sort(key=len)
    return rendered[len(rendered) // 2], [len(r) for r in rendered]


def raw_smtplib(port: int, message: bytes, count: int, label: str) -> float:
    """Seconds for one smtplib connection to ``sendmail`` ``count`` copies of ``message``."""
    log(f"{label}: raw smtplib, {count:,} messages of {len(message):,} bytes")
    tick = ticker(label, count, max(count // 5, 1))
    started = time.monotonic()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for _ in range(count):
        smtp.sendmail(FROM, [TO], message)
        tick(1)
    smtp.quit()
    return time.monotonic() - started


def hold_back(period: Any, send: int) -> int:
    """Give every digest after the first ``send`` a next attempt a year away: left for later."""
    from django.utils import timezone

    from paperwire.digests.models import Digest

    mine = Digest.objects.filter(frequency=period.frequency, period_start=period.first)
    ids = list(mine.order_by("pk").values_list("pk", flat=True)[send - 1 : send])
    if not ids:
        return 0
    later = timezone.now() + dt.timedelta(days=365)
    return mine.filter(pk__gt=ids[0]).update(next_attempt_at=later)


# --- main --------------------------------------------------------------------------------


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
    import django

    django.setup()


def configure(data_dir: Path, smtp_port: int) -> None:
    """Environment for this process and its children: the catalogue, the sink, no rate."""
    os.environ["PAPERWIRE_DATA_DIR"] = str(data_dir)
    os.environ["PAPERWIRE_DATABASE_URL"] = f"sqlite:///{data_dir / 'paperwire.sqlite3'}"
    os.environ["PAPERWIRE_MAIL_RATE"] = "0"
    os.environ["PAPERWIRE_SMTP_URL"] = f"smtp+plain://127.0.0.1:{smtp_port}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--subscribers", type=int, default=100_000, help="default 100,000")
    parser.add_argument(
        "--send",
        type=int,
        default=0,
        help="digests to deliver, and raw messages to send on each baseline (default: all)",
    )
    parser.add_argument(
        "--keywords",
        type=int,
        default=1500,
        help="title bigrams and trigrams in the topic pool (default 1,500; the pool also has "
        "categories, authors and combinations)",
    )
    parser.add_argument("--sink", choices=("minimal", "aiosmtpd"), default="minimal")
    parser.add_argument(
        "--no-pipelining",
        action="store_true",
        help="the minimal sink does not offer SMTP PIPELINING (aiosmtpd never does)",
    )
    parser.add_argument("--day", type=dt.date.fromisoformat, help="default: the fullest day")
    parser.add_argument("--keep", type=Path, help="data directory to keep (and reuse)")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data sets")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--serve-sink", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--embed-day", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.send < 0:
        parser.error("--subscribers must be positive and --send not negative")
    return args


@dataclass
class Results:
    loads: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def load(self, when: str) -> None:
        self.loads.append((when, loadavg()))


def benchmark(args: argparse.Namespace, data_dir: Path, sink: Sink) -> int:
    res = Results()
    res.load("start")
    log(f"cores {os.cpu_count()}, load average {loadavg()}")
    catalogue = build_catalogue(args.data, data_dir)
    setup_django()
    from paperwire.catalogue.models import Paper
    from paperwire.catalogue.periods import containing
    from paperwire.digests.compose import compose_period
    from paperwire.digests.importing import import_subscribers
    from paperwire.digests.models import Delivery, Digest, Received, Topic
    from paperwire.digests.send import Sender
    from paperwire.search.models import Embedding

    catalogue.papers = Paper.objects.count()
    if args.keep:
        clear_digests()
    day, day_papers = fullest_day()
    if args.day:
        day = args.day
        day_papers = Paper.objects.visible().in_days(day, day).count()
    upvoted = Paper.objects.visible().in_days(day, day).filter(upvotes__gt=0).count()
    log(f"the day of new papers: {day} ({day_papers:,} papers, {upvoted} with upvotes)")
    embedded = embed_day(day)
    period = containing("daily", day)
    day_ids = Paper.objects.visible().in_days(day, day).values("pk")
    vectors = Embedding.objects.filter(paper_id__in=day_ids, model=embedded["model"]).count()

    rng = random.Random(args.seed)
    log("topic pool from the real titles, categories and authors")
    pool = topic_pool(args.data, rng, args.keywords)
    csv_path = data_dir / "subscribers.csv"
    chosen = write_subscribers(csv_path, pool, args.subscribers, rng)
    kinds = Counter(pool.kinds[pool.queries.index(q)] for q in chosen)
    log(f"  pool {len(pool.queries):,} queries; {len(chosen):,} distinct chosen")
    log(f"import_subscribers({csv_path.name}): {args.subscribers:,} rows")
    with Timed.run() as t_import:
        imported = import_subscribers(
            csv_path, progress=ticker("import", args.subscribers, max(args.subscribers // 5, 1))
        )
    if imported.rejected or imported.new != args.subscribers:
        res.warnings.append(
            f"import_subscribers: expected {args.subscribers:,} new; got {imported.line()}"
        )

    res.load("compose")
    log(f"compose_period(daily {day}): {args.subscribers:,} subscribers, load {loadavg()}")
    with Timed.run() as t_compose:
        composed = compose_period(
            period, progress=ticker("compose", args.subscribers, max(args.subscribers // 5, 1))
        )
    log(f"  {composed.composed:,} composed, {composed.empty:,} empty in {t_compose.wall:.1f} s")
    for note in composed.notes:
        log(f"  composer note: {note}")
    item_counts = [
        len(items)
        for items in Digest.objects.filter(period_start=period.first).values_list(
            "items", flat=True
        )
    ]

    send = min(args.send or composed.composed, composed.composed)
    message, sizes = fixed_message(period, SAMPLE_FOR_SIZE)
    held = hold_back(period, send) if send < composed.composed else 0
    log(f"sink: {sink.label}")
    try:
        res.load("raw before")
        raw_before = raw_smtplib(sink.port, message, send, "baseline before")
        res.load("send")
        log(f"Sender(rate=0).send_period(daily {day}): {send:,} digests, load {loadavg()}")
        sender = Sender(rate=0, progress=ticker("send", send, max(send // 5, 1)))
        with Timed.run() as t_send:
            sent = sender.send_period(period)
        log(f"  {sent.line()}")
        res.load("raw after")
        raw_after = raw_smtplib(sink.port, message, send, "baseline after")
    finally:
        stats = sink.stop()
    res.load("end")

    # --- checks
    statuses = Counter(
        Digest.objects.filter(period_start=period.first).values_list("status", flat=True)
    )
    receipts, deliveries = Received.objects.count(), Delivery.objects.count()
    expected_receipts = sum(
        len(items)
        for items in Digest.objects.filter(status=Digest.Status.SENT).values_list(
            "items", flat=True
        )
    )
    if sent.sent != send or statuses.get(Digest.Status.SENT, 0) != send:
        res.warnings.append(
            f"expected {send:,} sent; sender said {sent.line()}; digests by status {dict(statuses)}"
        )
    if receipts != expected_receipts or deliveries != send:
        res.warnings.append(
            f"expected {expected_receipts:,} receipts and {send:,} deliveries; "
            f"found {receipts:,} and {deliveries:,}"
        )
    if stats is not None and stats.messages != 3 * send:
        res.warnings.append(f"the sink counted {stats.messages:,} messages, not {3 * send:,}")
    if composed.composed + composed.empty != args.subscribers:
        res.warnings.append(
            f"compose: {composed.composed:,} + {composed.empty:,} empty is not "
            f"{args.subscribers:,} subscribers"
        )

    # --- report
    raw_rate = 2 * send / (raw_before + raw_after)
    ratio = sent.rate / raw_rate if raw_rate else 0.0
    subscribers_per_s = args.subscribers / t_compose.wall
    topics_total = Topic.objects.count()
    print()
    print(
        f"paperwire digests: {args.subscribers:,} confirmed daily subscribers, "
        f"{TOPICS_EACH} topics each (SQLite, {data_dir})"
    )
    print(
        f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) "
        + "; ".join(f"{when}: {avg}" for when, avg in res.loads)
    )
    print()
    print("setup (not timed against a target)")
    if catalogue.reused:
        print(f"  catalogue          {catalogue.papers:,} papers, reused from {data_dir}")
    else:
        print(
            f"  catalogue          {catalogue.papers:,} papers: import jsonl "
            f"{_counts(catalogue.listings)} in {catalogue.listings_s:.1f} s; import hf-daily "
            f"{_counts(catalogue.hf)} in {catalogue.hf_s:.1f} s"
        )
    print(
        f"  day of new papers  {day} (the fullest day in the catalogue): {day_papers:,} "
        f"papers, {upvoted} with upvotes"
    )
    print(
        f"  embeddings         {vectors:,}/{day_papers:,} of the day's papers have a vector "
        f"({embedded['model']}; {embedded['encoded']:,} encoded in {embedded['seconds']:.1f} s,"
        f" {embedded['unchanged']:,} already there)"
    )
    print(
        f"  topic pool         {len(pool.queries):,} queries, Zipf 1/rank; {len(chosen):,} "
        f"distinct topics chosen ({', '.join(f'{k} {v:,}' for k, v in kinds.items())}); "
        f"most chosen: {', '.join(f'{q} ({n:,})' for q, n in chosen.most_common(3))}"
    )
    print(
        f"  import_subscribers {imported.line()}; {topics_total:,} topics in "
        f"{t_import.wall:.1f} s ({args.subscribers / t_import.wall:,.0f} subscribers/s)"
    )
    print()
    print("compose_period(daily period)")
    print(
        f"  {composed.subscribers:,} subscribers · {composed.composed:,} composed · "
        f"{composed.empty:,} empty · {composed.topics:,} distinct topics · "
        f"{composed.papers:,} papers"
    )
    if item_counts:
        print(
            f"  items per digest: mean {statistics.fmean(item_counts):.1f}, median "
            f"{statistics.median(item_counts):.0f}, max {max(item_counts)}"
        )
    for note in composed.notes:
        print(f"  note: {note}")
    print(
        f"  {t_compose.wall:.1f} s wall ({t_compose.cpu:.1f} s CPU in this process) · "
        f"{subscribers_per_s:,.0f} subscribers/s"
    )
    print()
    print(
        f"delivery to the sink ({sink.label}); {send:,} messages on each side"
        + (f"; {held:,} digests held back (--send)" if held else "")
    )
    q = statistics.quantiles(sizes, n=10) if len(sizes) > 1 else [sizes[0]] * 9
    print(
        f"  message size: rendered digests (first {len(sizes)}) p10 {q[0]:,.0f} · median "
        f"{statistics.median(sizes):,.0f} · p90 {q[-1]:,.0f} bytes; baseline message "
        f"{len(message):,} bytes (the median one)"
    )
    print(
        f"  raw smtplib before   {send:>9,} msgs {raw_before:>7.1f} s {send / raw_before:>7,.0f}/s"
    )
    print(
        f"  Sender(rate=0)       {sent.sent:>9,} msgs {sent.seconds:>7.1f} s {sent.rate:>7,.0f}/s"
        f"   ({t_send.cpu:.1f} s CPU in this process)"
    )
    print(f"  raw smtplib after    {send:>9,} msgs {raw_after:>7.1f} s {send / raw_after:>7,.0f}/s")
    print(f"  sender / raw (mean of before and after): {ratio:.2f}")
    if stats is not None:
        print(
            f"  the sink counted {stats.messages:,} messages ({stats.data_bytes / 1e6:,.1f} MB) "
            f"on {stats.connections:,} connections"
        )
    print(
        f"  digests by status: {', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))};"
        f" {receipts:,} receipts; {deliveries:,} delivery log rows"
    )
    print()
    print("targets")
    print(
        verdict(
            t_compose.wall <= TARGET_COMPOSE_S,
            f"compose <= {TARGET_COMPOSE_S:.0f} s: {t_compose.wall:.1f} s",
        )
    )
    print(
        verdict(
            ratio >= TARGET_RATIO,
            f"delivery >= {TARGET_RATIO:.0%} of raw smtplib: {sent.rate:,.0f}/s of "
            f"{raw_rate:,.0f}/s = {ratio:.0%}",
        )
    )
    for warning in res.warnings:
        print(f"\n!!! WARNING: {warning} !!!")
    print()
    print(
        f"digests compose={t_compose.wall:.1f}s deliver={sent.rate:.0f}/s raw={raw_rate:.0f}/s "
        f"ratio={ratio:.2f}"
    )
    return 1 if res.warnings else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_sink:
        serve_minimal_sink(pipelining=not args.no_pipelining)
        return 0
    if args.embed_day:
        embed_day_child(args.embed_day)
        return 0
    missing = [p for p in (args.data / LISTINGS, args.data / HF_DAILY) if not p.exists()]
    if missing:
        print(f"skipped: shared data not found ({', '.join(map(str, missing))})")
        return 0
    # The sink first: Django reads PAPERWIRE_SMTP_URL once, at setup.
    sink = Sink(args.sink, pipelining=not args.no_pipelining)
    try:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            configure(args.keep.resolve(), sink.port)
            return benchmark(args, args.keep.resolve(), sink)
        with tempfile.TemporaryDirectory(prefix="paperwire-digests-") as tmp:
            configure(Path(tmp), sink.port)
            return benchmark(args, Path(tmp), sink)
    finally:
        sink.stop()


if __name__ == "__main__":
    sys.exit(main())
