"""Serving speed: requests/s and p99 latency of the site under a bounded concurrent load.

    .venv/bin/python bench/serve_load.py [--papers 100000] [--duration 15] [--connections 16]
    .venv/bin/python bench/serve_load.py --papers 5000 --duration 3      # a quick look

The catalogue (``--papers`` papers, kept in ``var/bench-serve/papers-N/`` and reused; ``--rebuild``
makes it again) is built by the real commands, as an operator would:

* ``paperwire import jsonl`` of the 74,728 real CS papers of ../shared/data (fewer, the first
  lines, when ``--papers`` is smaller), ``paperwire import hf-daily`` of the 580 real days of
  Hugging Face daily papers (real upvotes; fewer days when ``--papers`` is small);
* the rest, up to ``--papers``, through the real ingest code: papers made from real records
  with fresh ids (title, abstract, authors and categories each drawn from a different real
  paper, fixed seed), as bench/search_speed.py makes them;
* embeddings: encoding 100,000 abstracts takes about an hour on this CPU, so, as in
  bench/search_speed.py, the real model's vectors of a sample of real papers (the cache
  var/cache/real-vectors that search_speed.py fills; else ``--real-vectors`` papers encoded
  now) and, for every other paper, a vector sampled from their distribution (Gaussian with
  their mean and covariance, normalised). Search therefore runs in its real hybrid mode
  (keyword + meaning, the query encoded by the real model on every request), and paper
  pages find their similar papers in the real vector index;
* ``paperwire reindex`` builds the keyword and vector indexes.

The server runs as in production: ``paperwire serve --host 127.0.0.1 --port P`` (Granian,
2 workers, access log on), PAPERWIRE_DEBUG unset, every other PAPERWIRE_* variable unset but
PAPERWIRE_DATA_DIR (so the page cache is the default file cache in the data directory, which
is emptied before the server starts). After it answers, a warm-up (its own URLs, not used
below) loads the model and indexes in both workers. Then ``wrk`` (Debian's package;
``apt-get install wrk``) runs each target for ``--duration`` seconds with ``--threads``
threads and ``--connections`` open connections (a bounded load: at most that many requests in
flight), on 127.0.0.1, on the same 2-core machine as the server:

* static: /static/web/site.css, served by WhiteNoise in the same server. The baseline: the
  cheapest request this server can answer; every other figure is also shown as its ratio;
* home: ``/`` (whole-page cached for anonymous visitors, like every page here);
* paper, hot: one paper page, over and over (a cache test);
* paper (headline): each request a random one of ``--paper-ids`` (2,000) random papers, so
  most requests are cache misses that render the page and find the similar papers until the
  rate is high enough for the 30 s page cache to catch repeats;
* paper, uncached: every request a different paper (nothing can come from the page cache);
* search, rotating: ``--queries`` (200) queries in turn, made from real titles (3-8 of their
  first words) and real abstracts (5 of their words) as search_speed.py makes them; only
  the first round is searched, later rounds come from the page cache, so this figure is
  bimodal: below 200 requests in the run it is a search figure, above it a cache figure;
* search (headline): every request a different query of the same kind (a pool of 20,000,
  walked without repeats), so every request is a real hybrid search: query encoding, BM25,
  HNSW, fusion, the page's rendering.

The community's pages (issue 11), on community data the benchmark adds through the real code
(``discussion``, ``groups``: the same functions the site calls), once per catalogue:

* comments, 50: a paper page with 50 comments, a real thread's shape (12 top-level comments,
  replies down to depth 4, Markdown with maths, some upvoted), every request the same page, as
  an anonymous visitor gets it (the 30 s page cache included, as for "home");
* comments, uncached: the same page signed in (never cached): the thread rendered every time;
* author: the author page of the catalogue's most prolific author (``/authors/<name>``),
  anonymous;
* group, signed in: a group's page seen by one of its 8 members (session cookie): shared
  collections, the week's saves and upvotes, the reading queue with votes; rendered every time.

For each: requests/s, p50 and p99 latency (wrk's, queueing included: 16 connections on 2
workers), errors (non-2xx/3xx responses and socket errors: connect, read, write, timeout), the
ratio to the static baseline, and the server's CPU time per request (the main process and
workers, from /proc; unlike requests/s it hardly depends on what else the machine runs). The
machine's load average and its busiest other processes are printed with the figures. The last
line is machine-readable:
``serve_load home=.../s paper=.../s search=.../s comments=.../s author=.../s static=.../s
errors=N``.

``--cache redis`` measures the same with the page cache in Redis (PAPERWIRE_CACHE_URL, a
private memory-only redis-server started for the run) instead of the default files. A kept
catalogue whose indexes the current code finds unusable (format or parameters changed) is
reindexed with ``paperwire reindex`` first. Without ../shared/data the benchmark says
"skipped" and exits 0; without wrk it says how to install it and exits 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from common import (
    HF_DAILY,
    LISTINGS,
    PROJECT,
    SHARED_DATA,
    VECTOR_CACHE,
    Stream,
    cpu_line,
    load_real,
    loadavg,
    logger,
    vector_chunk_prefix,
)

LISTINGS_FILE = SHARED_DATA / LISTINGS
HF_DAILY_DIR = SHARED_DATA / HF_DAILY
WORKDIR = PROJECT / "var" / "bench-serve"
PAPERWIRE = PROJECT / ".venv" / "bin" / "paperwire"
WRK = Path("/usr/bin/wrk")
STATIC_PATH = "/static/web/site.css"
TARGETS = {"home": 300.0, "paper": 300.0, "search": 100.0, "comments": 300.0, "author": 300.0}
SEED = 20261125
REDIS_OPTIONS = ("--save", "", "--appendonly", "no")  # memory only
QUIET = ("--no-index", "--no-progress", "--json")
log = logger("serve")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000, help="catalogue size")
    parser.add_argument("--duration", type=int, default=15, help="seconds per target")
    parser.add_argument("--connections", type=int, default=16, help="wrk open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server workers (production: 2)")
    parser.add_argument("--paper-ids", type=int, default=2000, help="papers in the rotating set")
    parser.add_argument("--queries", type=int, default=200, help="queries in the rotating set")
    parser.add_argument(
        "--real-vectors",
        type=int,
        default=1000,
        help="papers to embed with the real model when var/cache/real-vectors is empty",
    )
    parser.add_argument(
        "--cache",
        choices=("file", "redis"),
        default="file",
        help="the page cache: file (an install's default) or redis (a private redis-server "
        "started for the run, as PAPERWIRE_CACHE_URL=redis://...)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the catalogue again")
    parser.add_argument("--workdir", type=Path, default=WORKDIR, help="where catalogues are kept")
    parser.add_argument("--fill-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--check-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--community-child", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def clean_env(data_dir: Path) -> dict[str, str]:
    """The environment of a production install: no PAPERWIRE_* but the data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PAPERWIRE_DATA_DIR"] = str(data_dir)
    return env


# -- the catalogue ---------------------------------------------------------------------------


def catalogue(args: argparse.Namespace, real: list[dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    data_dir = args.workdir / f"papers-{args.papers}"
    ready = data_dir / "ready.json"
    if ready.exists() and not args.rebuild:
        info: dict[str, Any] = json.loads(ready.read_text())
        log(f"reusing the catalogue in {data_dir} (--rebuild to make it again)")
        return data_dir, info
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    env = clean_env(data_dir)
    began = time.monotonic()
    run([str(PAPERWIRE), "init"], env, "init")

    days = sorted(HF_DAILY_DIR.glob("*.json*"))
    keep_days = len(days) if args.papers >= 100_000 else max(5, len(days) * args.papers // 100_000)
    hf_dir = Path(tempfile.mkdtemp(prefix="paperwire-hf-"))
    for path in days[-keep_days:]:
        (hf_dir / path.name).symlink_to(path)
    listing_lines = min(len(real), args.papers)
    listing_file = LISTINGS_FILE
    if listing_lines < len(real):
        listing_file = hf_dir.parent / f"paperwire-listings-{listing_lines}.jsonl.gz"
        with gzip.open(LISTINGS_FILE, "rt") as src, gzip.open(listing_file, "wt") as dst:
            for _, line in zip(range(listing_lines), src, strict=False):
                dst.write(line)
    log(f"importing {listing_lines:,} real papers (paperwire import jsonl)")
    listings = run(
        [str(PAPERWIRE), "import", "jsonl", str(listing_file), *QUIET, "--batch-size", "2000"],
        env,
        "import jsonl",
    )
    log(f"importing {keep_days} days of Hugging Face daily papers (paperwire import hf-daily)")
    hf = run(
        [str(PAPERWIRE), "import", "hf-daily", str(hf_dir), *QUIET],
        env,
        "import hf-daily",
        ok_codes=(0, 1),  # the malformed real days are reported as rejected, not fatal
    )
    shutil.rmtree(hf_dir)
    if listing_file != LISTINGS_FILE:
        listing_file.unlink()
    log("filling up with made-up papers and storing embeddings (real ingest code)")
    fill = [sys.executable, __file__, "--fill-child", str(data_dir), "--papers", str(args.papers)]
    run(
        [*fill, "--real-vectors", str(args.real_vectors)],
        env,
        "fill",
        capture=False,
    )
    log("building the search indexes (paperwire reindex)")
    run([str(PAPERWIRE), "reindex", "--no-progress"], env, "reindex")
    info = json.loads((data_dir / "fill.json").read_text())
    info["import_jsonl"] = _summary(listings)
    info["import_hf"] = _summary(hf)
    info["build_s"] = round(time.monotonic() - began)
    ready.write_text(json.dumps(info))
    log(f"catalogue ready in {info['build_s']} s: {data_dir}")
    return data_dir, info


def _summary(output: str) -> dict[str, Any]:
    """The JSON summary an import prints (indented, over several lines)."""
    try:
        parsed: dict[str, Any] = json.loads(output[output.index("{") : output.rindex("}") + 1])
    except ValueError:
        return {}
    parsed.pop("rejections", None)
    return parsed


def run(
    argv: list[str],
    env: dict[str, str],
    what: str,
    ok_codes: tuple[int, ...] = (0,),
    capture: bool = True,
) -> str:
    began = time.monotonic()
    done = subprocess.run(
        argv, env=env, cwd=PROJECT, text=True, capture_output=capture, check=False
    )
    if done.returncode not in ok_codes:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout or ''}{done.stderr or ''}")
    log(f"{what}: {time.monotonic() - began:.0f} s")
    return done.stdout or ""


def made_up_records(real: list[dict[str, Any]], count: int) -> Iterator[Any]:
    """Papers made from real fields, each from a different real paper, with fresh ids."""
    from paperwire.sources.arxiv_ids import is_arxiv_category
    from paperwire.sources.records import PaperRecord, Source

    rng = random.Random(SEED)
    first_day = dt.date(2024, 10, 4)
    for n in range(count):
        cats = real[rng.randrange(len(real))]["categories"]
        yield PaperRecord(
            arxiv_id=f"{7000 + n // 99_999:04d}.{n % 99_999 + 1:05d}",
            source=Source.LISTING,
            where=f"made-up paper {n}",
            title=" ".join(real[rng.randrange(len(real))]["title"].split()),
            abstract=" ".join(real[rng.randrange(len(real))]["summary"].split()),
            authors=list(real[rng.randrange(len(real))]["authors"]),
            categories=[c for c in cats if is_arxiv_category(c)][:4],
            listing_date=first_day - dt.timedelta(days=n % 3000),
        )


def fill_child(args: argparse.Namespace) -> None:
    """In a child with Django set up on the data directory: top up to --papers, embeddings."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
    django.setup()
    import numpy as np
    from django.utils import timezone

    from paperwire.catalogue.models import Paper
    from paperwire.ingest.run import Ingester
    from paperwire.search.documents import content_hash
    from paperwire.search.embedding_jobs import embed_pending
    from paperwire.search.embeddings import current_model_id, get_embedder
    from paperwire.search.models import Embedding, decode_vector

    real = load_real()
    have = Paper.objects.count()
    missing = max(0, args.papers - have)
    began = time.monotonic()
    if missing:
        Ingester(progress=False, batch_size=2000).run(
            Stream(made_up_records(real, missing), missing)
        )
    log(f"{missing:,} made-up papers ingested in {time.monotonic() - began:.0f} s")

    model = current_model_id()
    pk_of = dict(Paper.objects.values_list("arxiv_id", "pk"))
    known: dict[int, Any] = {}
    for path in sorted(VECTOR_CACHE.glob(f"{vector_chunk_prefix(model)}*.npz")):
        chunk = np.load(path)
        for index, vector in zip(chunk["indices"].tolist(), chunk["vectors"], strict=True):
            pk = pk_of.get(real[index]["id"])
            if pk is not None:
                known[pk] = vector.astype(np.float32)
    source = f"{len(known):,} real-model vectors from {VECTOR_CACHE.relative_to(PROJECT)}"
    if len(known) < 500:
        began = time.monotonic()
        embed_pending(get_embedder(), limit=args.real_vectors)
        source = f"{args.real_vectors:,} papers encoded by the real model now"
        log(f"{args.real_vectors:,} real embeddings in {time.monotonic() - began:.0f} s")
        known = {
            pk: decode_vector(v) for pk, v in Embedding.objects.values_list("paper_id", "vector")
        }
        Embedding.objects.all().delete()  # stored again below with the rest
    matrix = np.stack(list(known.values()))
    mean, cov = matrix.mean(axis=0), np.cov(matrix, rowvar=False)
    rng = np.random.default_rng(SEED)
    now = timezone.now()
    rows = Paper.objects.order_by("pk").values_list("pk", "title", "abstract")
    batch: list[Embedding] = []
    stored = sampled = 0
    for start in range(0, len(pk_of), 20_000):
        chunk_rows = list(rows[start : start + 20_000])
        draws = rng.multivariate_normal(mean, cov, size=len(chunk_rows)).astype(np.float32)
        draws /= np.linalg.norm(draws, axis=1, keepdims=True)
        for (pk, title, abstract), draw in zip(chunk_rows, draws, strict=True):
            vector = known.get(pk)
            if vector is None:
                vector, sampled = draw, sampled + 1
            batch.append(
                Embedding(
                    paper_id=pk,
                    model=model,
                    content_hash=content_hash(title, abstract),
                    vector=vector.tobytes(),
                    encoded_at=now,
                    checked_at=now,
                )
            )
        Embedding.objects.bulk_create(batch, batch_size=2000)
        stored += len(batch)
        batch = []
    upvoted = Paper.objects.filter(upvotes__gt=0).count()
    info = {
        "papers": Paper.objects.count(),
        "upvoted": upvoted,
        "vectors": stored,
        "sampled_vectors": sampled,
        "vector_source": source,
    }
    (args.fill_child / "fill.json").write_text(json.dumps(info))
    log(f"{stored:,} embeddings stored ({sampled:,} sampled), {upvoted:,} papers with upvotes")


# A thread's shape: (parent's index in this list or None) for each of the 50 comments. Twelve
# conversations, most short, a few long and deep (depth <= 4), as a busy paper's thread looks.
def _thread_shape(count: int = 50, seed: int = SEED) -> list[int | None]:
    rng = random.Random(seed)
    parents: list[int | None] = []
    depth: list[int] = []
    for n in range(count):
        if n < 12 or rng.random() < 0.1:
            parents.append(None)
            depth.append(1)
            continue
        choices = [i for i in range(n) if depth[i] < 4]
        parent = rng.choice(choices[-12:])  # replies gather under recent comments
        parents.append(parent)
        depth.append(depth[parent] + 1)
    return parents


def community_child(data_dir: Path) -> None:
    """Comments, an author and a group, made by the code the site runs; writes community.json."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from paperwire import discussion, groups
    from paperwire.catalogue.models import Paper

    rng = random.Random(SEED)
    real = load_real()
    long_ago = timezone.now() - dt.timedelta(days=400)  # no comment is held for approval
    people = []
    for n in range(20):
        user, _ = User.objects.get_or_create(
            username=f"bench-reader-{n}", defaults={"email": f"reader{n}@bench.example"}
        )
        User.objects.filter(pk=user.pk).update(date_joined=long_ago)
        user.refresh_from_db()
        people.append(user)

    papers = list(Paper.objects.visible().order_by("-pk").values_list("pk", flat=True)[:400])
    target = Paper.objects.get(pk=papers[0])
    comments: list[Any] = []
    for n, parent in enumerate(_thread_shape()):
        text = real[rng.randrange(len(real))]["summary"].split(". ")
        body = ". ".join(text[: rng.randint(1, 3)]).strip()
        if n % 5 == 0:
            body += " The bound is $O(n \\log n)$, and\n\n$$\\sum_{i=1}^{n} x_i^2 \\le C$$"
        if n % 7 == 0:
            body = "**Question:** " + body + "\n\n- see [the paper](https://arxiv.org)"
        author = people[n % len(people)]
        reply_to = comments[parent] if parent is not None else None
        comment = discussion.post(author, target, body, reply_to)
        comments.append(comment)
        for voter in rng.sample(people, rng.randint(0, 4)):
            if voter != author:
                discussion.vote(voter, comment, True)

    counts: dict[str, int] = {}
    for authors in Paper.objects.visible().values_list("authors", flat=True).iterator(10_000):
        for name in authors:
            counts[name] = counts.get(name, 0) + 1
    prolific, written = max(counts.items(), key=lambda kv: (kv[1], kv[0]))

    owner = people[0]
    group = groups.create_group(owner, "Bench reading group")
    members = [groups.membership(owner, group.slug)]
    for user in people[1:8]:
        members.append(groups.add_member(group, user))
    shelves = [groups.create_collection(members[0], name) for name in ("To read", "Methods")]
    for n, pk in enumerate(papers[1:41]):
        paper = Paper.objects.get(pk=pk)
        groups.add_paper(members[n % len(members)], shelves[n % 2], paper)
    for n, pk in enumerate(papers[41:53]):
        proposal, _ = groups.propose(members[n % len(members)], Paper.objects.get(pk=pk))
        for member in rng.sample(members, rng.randint(1, len(members))):
            groups.vote(member, proposal, True)

    session = SessionStore()
    session[SESSION_KEY] = str(people[1].pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = people[1].get_session_auth_hash()
    session.create()
    info = {
        "comments_paper": target.arxiv_id,
        "comments": len(comments),
        "deepest": max(c.depth for c in comments),
        "author": prolific,
        "author_papers": written,
        "group": group.slug,
        "group_members": len(members),
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
    }
    (data_dir / "community.json").write_text(json.dumps(info))
    log(
        f"community: {len(comments)} comments on {target.arxiv_id} (depth <= {info['deepest']}), "
        f"author {prolific!r} with {written} papers, group {group.slug!r} of {len(members)}"
    )


def community(data_dir: Path) -> dict[str, Any]:
    """The community data of this catalogue (made once, after migrating the kept database)."""
    made = data_dir / "community.json"
    env = clean_env(data_dir)
    run([str(PAPERWIRE), "migrate", "--no-input"], env, "migrate")
    if not made.exists():
        # The made-up papers came through the ingest code directly, which announces nothing.
        run([str(PAPERWIRE), "people", "reindex"], env, "people reindex")
        run([sys.executable, __file__, "--community-child", str(data_dir)], env, "community data")
    info: dict[str, Any] = json.loads(made.read_text())
    return info


def check_child() -> None:
    """Print the search indexes' problems as the server's code sees them (JSON)."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "paperwire.settings"
    django.setup()
    from paperwire.search.backends import get_backend

    print(json.dumps(get_backend().status().problems))


def indexes_usable(data_dir: Path) -> None:
    """A kept catalogue's indexes may be stale for the code being measured (the index format
    or parameters changed since): then rebuild them, as the server's message says to."""
    env = clean_env(data_dir)
    checked = run([sys.executable, __file__, "--check-child"], env, "index check")
    problems = json.loads(checked.strip().splitlines()[-1])
    if problems:
        log(f"the indexes are not usable ({'; '.join(problems)}): paperwire reindex")
        run([str(PAPERWIRE), "reindex", "--no-progress"], env, "reindex")


# -- what the load generator asks for ---------------------------------------------------------


def catalogue_ids(data_dir: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(data_dir / "paperwire.sqlite3") as db:
        return [r[0] for r in db.execute("SELECT arxiv_id FROM catalogue_paper WHERE NOT hidden")]


def make_queries(real: list[dict[str, Any]], count: int, seed: int) -> list[str]:
    """Real titles cut to 3-8 words, and 5 words of a real abstract (search_speed.py's)."""
    rng = random.Random(seed)
    queries: list[str] = []
    seen: set[str] = set()
    while len(queries) < count:
        paper = real[rng.randrange(len(real))]
        if len(queries) % 2 == 0:
            words = paper["title"].split()
            query = " ".join(words[: rng.randint(3, max(3, min(8, len(words))))])
        else:
            words = [w.strip(".,;:()") for w in paper["summary"].split() if len(w) > 4]
            query = " ".join(rng.sample(words, min(5, len(words))))
        query = " ".join(query.replace('"', "").split())
        # an id-like query would redirect; ":" would make a filter
        if query and ":" not in query and query not in seen:
            seen.add(query)
            queries.append(query)
    return queries


def search_path(query: str) -> str:
    return "/search?" + urlencode({"q": query})


def paper_path(arxiv_id: str) -> str:
    return "/papers/" + quote(arxiv_id)


LUA = """\
-- generated by bench/serve_load.py
local paths = {
%(paths)s
}
local order = "%(order)s"
local made = 0
function setup(thread)
  thread:set("tid", made)
  made = made + 1
end
function init(args)
  tid = tid or 0
  step = %(threads)d
  counter = tid
  math.randomseed(%(seed)d + 7919 * tid)
end
function request()
  local i
  if order == "random" then
    i = math.random(#paths)
  else
    -- each thread walks its own slice: no path is asked twice until the pool wraps
    i = (counter %% #paths) + 1
    counter = counter + step
  end
  return wrk.format("GET", paths[i])
end
"""


def cookie_script(path: Path, cookie: str) -> Path:
    """Every request with a signed-in reader's session cookie."""
    path.write_text(f'wrk.headers["Cookie"] = {json.dumps(cookie)}\n')
    return path


def lua_script(path: Path, paths: list[str], order: str, threads: int) -> Path:
    body = ",\n".join(json.dumps(p) for p in paths)  # JSON strings are valid Lua strings here
    path.write_text(LUA % {"paths": body, "order": order, "threads": threads, "seed": SEED})
    return path


# -- the server and wrk ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, timeout: float = 60) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"User-Agent": "serve_load"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own group, made below
                self.process.wait()


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A private, empty, memory-only redis-server for the page cache; stopped at the end."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), *REDIS_OPTIONS],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit("redis-server did not start")


def start_server(data_dir: Path, workers: int, cache_url: str) -> Server:
    shutil.rmtree(data_dir / "cache", ignore_errors=True)  # no pages left from an earlier run
    env = clean_env(data_dir)
    if cache_url:
        env["PAPERWIRE_CACHE_URL"] = cache_url
    port = free_port()
    log_path = data_dir / "serve.log"
    handle = log_path.open("wb")
    serve = [str(PAPERWIRE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*serve, "--workers", str(workers)],
        env=env,
        cwd=PROJECT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    while time.monotonic() - began < 120:
        if process.poll() is not None:
            sys.exit(f"the server stopped ({process.returncode}); see {log_path}")
        try:
            status, _ = fetch(base + STATIC_PATH, timeout=5)
            if status == 200:
                log(f"server answering on {base} after {time.monotonic() - began:.1f} s")
                return Server(process, base, log_path)
        except OSError:
            pass
        time.sleep(0.3)
    process.kill()
    sys.exit(f"the server did not answer in 120 s; see {log_path}")


@dataclass
class Result:
    name: str
    urls: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    cpu_ms: float  # the server's CPU time (master and workers, user + system) per request

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server: the main process and its workers."""
    import psutil

    master = psutil.Process(pid)
    total = 0.0
    for process in [master, *master.children(recursive=True)]:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def run_wrk(
    name: str, urls: str, server: Server, args: argparse.Namespace, path: str, script: Path | None
) -> Result:
    argv = [str(WRK), f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    argv += ["--latency", "--timeout", "10s"]
    if script is not None:
        argv += ["-s", str(script)]
    argv.append(server.base + path)
    cpu_before = server_cpu(server.process.pid)
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    cpu = server_cpu(server.process.pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result = Result(
        name,
        urls,
        rps,
        p50,
        p99,
        requests,
        int(non.group(1)) if non else 0,
        sum(int(g) for g in sock.groups()) if sock else 0,
        cpu * 1000 / max(requests, 1),
    )
    log(
        f"{name}: {rps:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"{result.errors} errors ({requests:,} requests, {result.cpu_ms:.1f} ms server CPU each)"
    )
    return result


def warm_up(
    server: Server,
    papers: list[str],
    queries: list[str],
    args: argparse.Namespace,
    extra: tuple[str, ...] = (),
) -> str:
    """Both workers load the model and the indexes; returns the search mode the page shows."""
    status, html = fetch(server.base + search_path(queries[0]))
    if status != 200:
        sys.exit(f"the search page answered {status}; see {server.log_path}")
    mode = "unknown"
    for label, text in (
        ("hybrid (keyword + meaning)", "By meaning and words"),
        ("keyword only", "Keyword matches"),
        ("meaning only", "By meaning"),
    ):
        if text in html:
            mode = label
            break
    notes = re.findall(r'<p class="note">(.*?)</p>', html)
    if notes:
        mode += " - notes: " + "; ".join(notes)
    for path in ["/", STATIC_PATH, paper_path(papers[0]), *extra]:
        status, _ = fetch(server.base + path)
        if status != 200:
            sys.exit(f"{path} answered {status}; see {server.log_path}")
    script = lua_script(
        args.workdir / "warmup.lua",
        [search_path(q) for q in queries] + [paper_path(p) for p in papers] + ["/"],
        "random",
        args.threads,
    )
    quick = argparse.Namespace(**{**vars(args), "duration": 5})
    run_wrk("warm-up", "", server, quick, "/", script)
    return mode


# -- the run -------------------------------------------------------------------------------------


def machine_load() -> str:
    return f"load average {loadavg()} on {os.cpu_count()} cores"


def busy_processes() -> list[str]:
    """Other processes using a CPU right now (ps), so a busy machine is visible in the output."""
    output = subprocess.run(
        ["ps", "-eo", "pid,pcpu,args", "--sort=-pcpu"], capture_output=True, text=True, check=False
    ).stdout
    found = []
    for line in output.splitlines()[1:8]:
        pid, cpu, command = line.split(None, 2)
        if float(cpu) >= 20 and int(pid) != os.getpid():
            found.append(f"pid {pid} at {cpu}% CPU: {command[:90]}")
    return found


def main() -> None:
    args = parse_args()
    if args.fill_child:
        fill_child(args)
        return
    if args.check_child:
        check_child()
        return
    if args.community_child:
        community_child(args.community_child)
        return
    if not LISTINGS_FILE.exists() or not HF_DAILY_DIR.exists():
        print(f"skipped: {LISTINGS_FILE} or {HF_DAILY_DIR} is not there")
        return
    if not WRK.exists():
        print("wrk is not installed: apt-get install wrk (Debian's package)")
        sys.exit(2)
    real = load_real()
    data_dir, info = catalogue(args, real)
    indexes_usable(data_dir)
    people = community(data_dir)
    args.workdir.mkdir(parents=True, exist_ok=True)

    ids = catalogue_ids(data_dir)
    rng = random.Random(SEED)
    rng.shuffle(ids)
    warm_ids, hot_id = ids[:50], ids[50]
    many_ids = ids[51 : 51 + args.paper_ids]
    distinct_ids = ids[51 + args.paper_ids :]
    queries = make_queries(real, 50 + args.queries + 20_000, seed=SEED)
    warm_queries, rotating = queries[:50], queries[50 : 50 + args.queries]
    distinct_queries = queries[50 + args.queries :]
    scripts = args.workdir / "lua"
    scripts.mkdir(exist_ok=True)
    signed = cookie_script(scripts / "signed.lua", people["cookie"])
    t = args.threads
    plan: list[tuple[str, str, str, Path | None]] = [
        ("static", "1", STATIC_PATH, None),
        ("home", "1", "/", None),
        ("paper, hot", "1", paper_path(hot_id), None),
        (
            "paper",
            f"{len(many_ids):,} random",
            "/",
            lua_script(scripts / "papers.lua", [paper_path(p) for p in many_ids], "random", t),
        ),
        (
            "paper, uncached",
            "all distinct",
            "/",
            lua_script(scripts / "distinct.lua", [paper_path(p) for p in distinct_ids], "walk", t),
        ),
        ("comments, 50", "1", paper_path(people["comments_paper"]), None),
        ("comments, signed", "1", paper_path(people["comments_paper"]), signed),
        ("author", "1", "/authors/" + quote(people["author"]), None),
        ("group, signed", "1", f"/groups/{quote(people['group'])}", signed),
        (
            "search, rotating",
            f"{len(rotating):,} in turn",
            "/",
            lua_script(scripts / "queries.lua", [search_path(q) for q in rotating], "walk", t),
        ),
        (
            "search",
            "all distinct",
            "/",
            lua_script(
                scripts / "distinct_q.lua", [search_path(q) for q in distinct_queries], "walk", t
            ),
        ),
    ]

    load_before = machine_load()
    busy = busy_processes()
    redis, cache_url = start_redis() if args.cache == "redis" else (None, "")
    results: list[Result] = []
    try:
        server = start_server(data_dir, args.workers, cache_url)
        try:
            mode = warm_up(
                server,
                warm_ids,
                warm_queries,
                args,
                (paper_path(people["comments_paper"]), "/authors/" + quote(people["author"])),
            )
            for name, urls, path, script in plan:
                results.append(run_wrk(name, urls, server, args, path, script))
        finally:
            server.stop()
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait()
    load_after = machine_load()
    for result, (_, _, _, script) in zip(results, plan, strict=True):
        if result.urls == "all distinct" and script is not None:
            pool = script.read_text().count('\n"/')
            if result.requests > pool:
                log(f"{result.name}: {result.requests:,} requests wrapped a pool of {pool:,}")
    report(args, {**info, **people}, mode, results, load_before, load_after, busy)


def report(
    args: argparse.Namespace,
    info: dict[str, Any],
    mode: str,
    results: list[Result],
    load_before: str,
    load_after: str,
    busy: list[str],
) -> None:
    by_name = {r.name: r for r in results}
    static = by_name["static"]
    print(
        f"\npaperwire serving speed: {info['papers']:,} papers "
        f"({info['upvoted']:,} with upvotes), SQLite, page cache: "
        + ("files in the data directory (the default)" if args.cache == "file" else "Redis")
    )
    print(
        f"server: paperwire serve (Granian, {args.workers} workers) on 127.0.0.1; "
        f"load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s on the same machine"
    )
    print(f"search mode answered: {mode}")
    print(
        f"vectors: {info['vector_source']}; {info['sampled_vectors']:,} of "
        f"{info['vectors']:,} sampled from their distribution"
    )
    print(
        f"community: {info['comments']} comments (depth <= {info['deepest']}) on "
        f"{info['comments_paper']}; author page of {info['author']!r} ({info['author_papers']} "
        f"papers); group page seen by one of {info['group_members']} members"
    )
    print(cpu_line())
    print(f"machine before: {load_before}; after: {load_after}")
    for line in busy:
        print(f"  busy before the run: {line}")
    print()
    header = (
        f"{'target':<18} {'URLs':<14} {'req/s':>8} {'p50':>9} {'p99':>9} "
        f"{'errors':>7} {'vs static':>10} {'CPU/req':>9}  target"
    )
    print(header)
    print("-" * len(header))
    headline = {
        "home": "home",
        "paper": "paper",
        "search": "search",
        "comments, 50": "comments",
        "author": "author",
    }
    for r in results:
        goal = ""
        if r.name in headline:
            need = TARGETS[headline[r.name]]
            goal = f"{'✓' if r.rps >= need and r.errors == 0 else '✗'} >= {need:.0f}/s"
        print(
            f"{r.name:<18} {r.urls:<14} {r.rps:>8,.0f} {r.p50_ms:>7.1f}ms {r.p99_ms:>7.1f}ms "
            f"{r.errors:>7} {r.rps / static.rps:>9.3f}x {r.cpu_ms:>7.1f}ms  {goal}"
        )
    errors = sum(r.errors for r in results)
    print(
        f"\nCPU/req: the server's CPU time per request (the main process and its workers); "
        f"{os.cpu_count()} cores / CPU/req is the most this machine could serve if it ran "
        "nothing else (wrk included)."
    )
    print(
        "headlines: paper = a random one of the rotating set per request (part cache misses); "
        "search = every request a different query (every one a real search)."
    )
    print(f"errors: {errors} in all ({'✓' if errors == 0 else '✗'} no errors)")
    print(
        f"serve_load home={by_name['home'].rps:.0f}/s paper={by_name['paper'].rps:.0f}/s "
        f"search={by_name['search'].rps:.0f}/s comments={by_name['comments, 50'].rps:.0f}/s "
        f"author={by_name['author'].rps:.0f}/s static={static.rps:.0f}/s errors={errors}"
    )


if __name__ == "__main__":
    main()
