"""Several nodes agree (issue 14, "Several nodes"): two web nodes, two workers and the embedding
loop, real processes on one PostgreSQL database and one Redis (tests/scaleout/conftest.py).

Each test is one promise of docs/operations.md's scale-out mode:

1. a paper imported through node A is found by search on node B: B's follower brings B's own
   index up to date from the database (by keywords), and `paperwire embed --loop` and the
   follower make it findable by meaning too;
2. a vote cast on node A shows on node B's next page: the page B cached in the shared cache
   is not served once the count changed;
3. two workers and a manual `paperwire digest send` running at once send each digest once;
4. SIGKILL of node A and of the worker in the middle of sending digests loses nothing: node B
   serves on, and the period's run, started again, finishes on the surviving worker with no
   digest sent twice and none left out.

The processes start once for the module; the tests run in this order (the last one kills).
"""

from __future__ import annotations

import os
import re
import urllib.error
from collections import Counter
from typing import Any

import pytest

from paperwire.search.backends.replica import BUILDING_KEYWORDS
from tests.conftest import shared
from tests.digests.test_claims import SUMMARY
from tests.scaleout.conftest import (
    DAILY_READERS,
    WEEKLY_READERS,
    Cluster,
    Process,
    request,
)

pytestmark = pytest.mark.skipif(
    not os.environ.get("PAPERWIRE_DATABASE_URL", "").startswith("postgres"),
    reason="several nodes share one PostgreSQL database: runs in the PostgreSQL suite "
    "(make test-postgres)",
)

KAGGLE = "arxiv-kaggle-sample/arxiv-metadata-oai-snapshot-200.jsonl"
# A paper of that sample, and words of its title that no paper of the Hugging Face day has.
NEW_PAPER = "0704.0022"
QUERY = "stochastic lie group integrators"
# A paper of the Hugging Face day imported before the processes started.
VOTED_PAPER = "2608.18580"
COUNT = re.compile(r'<span class="count">(\d+)</span>')


def test_a_paper_imported_through_node_a_is_found_by_search_on_node_b(cluster: Cluster):
    assert NEW_PAPER not in cluster.b.search(QUERY)["ids"]
    imported = cluster.a.cli("import", "kaggle", str(shared(KAGGLE)), "--no-progress")
    assert imported.returncode == 0, imported.stderr

    # By keywords: from B's own index (not the database's full text a node without one uses),
    # so B's follower has brought it up to date.
    def found_by_keywords() -> dict[str, Any] | None:
        answer = cluster.b.search(QUERY)
        return answer if NEW_PAPER in answer["ids"] else None

    answer = cluster.eventually(found_by_keywords, f"{NEW_PAPER} found by keywords on node B")
    assert answer["mode"] == "lexical"
    assert BUILDING_KEYWORDS not in answer["notes"]
    assert (cluster.b.index_dir / "lexical").exists()

    # By meaning: `paperwire embed --loop` encodes it (the import embeds nothing itself here,
    # PAPERWIRE_EMBED_INLINE_MAX=0) and B's follower adds the vector to B's vector index.
    def found_by_meaning() -> dict[str, Any] | None:
        answer = cluster.b.search(QUERY, mode="semantic")
        return answer if answer["mode"] == "semantic" and NEW_PAPER in answer["ids"] else None

    cluster.eventually(found_by_meaning, f"{NEW_PAPER} found by meaning on node B")


def test_a_vote_on_node_a_shows_on_node_bs_next_page(cluster: Cluster):
    page = f"/papers/{VOTED_PAPER}"

    def count(body: str) -> int:
        found = COUNT.search(body)
        assert found, body[:2000]
        return int(found.group(1))

    first = cluster.b.get(page)
    assert first.status == 200
    before = count(first.body)
    # The anonymous page is now in the cache both nodes share: A answers with B's copy.
    assert count(cluster.a.get(page).body) == before

    token = cluster.a.cli("token", "create", "voter@example.org")
    assert token.returncode == 0, token.stderr
    vote = request(
        cluster.a.url(f"/api/papers/{VOTED_PAPER}/upvote"),
        data=b'{"voted": true}',
        headers={
            "Authorization": f"Bearer {token.stdout.strip()}",
            "Content-Type": "application/json",
        },
    )
    assert vote.status == 200, vote.body
    assert vote.json()["upvotes"] == before + 1
    # The database has it, as B reads it (the API's papers are never cached)...
    assert cluster.b.get(f"/api/papers/{VOTED_PAPER}").json()["upvotes"] == before + 1
    # ...and B's next page shows it.
    after = count(cluster.b.get(page).body)
    assert after == before + 1, (
        f"node B's page still shows {after} upvotes after a vote on node A made them "
        f"{before + 1}: the page cached in the shared cache was not invalidated by the vote"
    )


def _received(cluster: Cluster, readers: list[str]) -> list[str]:
    """Every accepted recipient among ``readers``, once per message the SMTP server took."""
    wanted = set(readers)
    return [rcpt for rcpt in cluster.smtp.rcpt_tos if rcpt in wanted]


def _worker_runs(workers: list[Process], frequency: str) -> list[tuple[int, ...]]:
    """The summaries of the workers' finished digest runs of the frequency (one period each in
    this module): (sent, temporary, refused, uncertain, left for later) for each."""
    runs = []
    for worker in workers:
        for line in worker.output().splitlines():
            if f"{frequency} digest " in line and (found := SUMMARY.search(line)):
                runs.append(tuple(int(n) for n in found.groups()))
    return runs


def test_two_workers_and_a_manual_send_at_once_send_each_digest_once(cluster: Cluster):
    day = cluster.day
    # No message is answered before two senders have connected: runs overlap for certain.
    cluster.smtp.hold_until_sessions = cluster.smtp.sessions + 2
    try:
        manual = cluster.a.cli.popen(
            "digest", "send", "--period", "daily", "--date", day, "--no-progress"
        )
        # What the schedule of each worker queues at the digest hour: one run per worker
        # (each worker has one thread, so each takes one).
        cluster.queue(
            "from paperwire.digests.tasks import send_digests; "
            f"send_digests('daily', '{day}'); send_digests('daily', '{day}')"
        )
        stdout, stderr = manual.communicate(timeout=120)
    finally:
        cluster.smtp.hold_until_sessions = 0
    assert manual.returncode == 0, stderr
    found = SUMMARY.search(stdout)
    assert found, stdout
    by_hand = tuple(int(n) for n in found.groups())

    def accounted() -> list[tuple[int, ...]] | None:
        """Every run's summary (the manual one first), once they count every digest."""
        runs = [by_hand, *_worker_runs(cluster.workers, "daily")]
        return runs if sum(run[0] for run in runs) >= len(DAILY_READERS) else None

    runs = cluster.eventually(
        accounted, "the runs' summaries count every daily digest", show=cluster.workers
    )
    received = _received(cluster, DAILY_READERS)
    twice = [rcpt for rcpt, n in Counter(received).items() if n > 1]
    assert not twice, f"{len(twice)} readers got their daily digest more than once: {twice[:5]}"
    assert sorted(received) == DAILY_READERS  # and none was left out
    # Each digest is counted by the one run that sent it, and at least two runs shared the
    # period between them.
    assert sum(run[0] for run in runs) == len(DAILY_READERS), runs
    assert len([run for run in runs if run[0]]) >= 2, runs
    assert all(run[1:] == (0, 0, 0, 0) for run in runs), runs


def test_sigkill_of_node_a_and_of_a_sending_worker_loses_nothing(cluster: Cluster):
    day = cluster.day
    weekly = (
        "SELECT s.email, d.status, d.claimed_by FROM digests_digest d "
        "JOIN digests_subscriber s ON s.id = d.subscriber_id WHERE d.frequency = 'weekly'"
    )
    cluster.queue(
        f"from paperwire.digests.tasks import send_digests; send_digests('weekly', '{day}')"
    )

    def sender_pid() -> int | None:
        """The pid of the worker sending, once it is part-way (its claims name it)."""
        if len(_received(cluster, WEEKLY_READERS)) < 20:
            return None
        owners = {by for _, status, by in cluster.db.rows(weekly) if status == "pending" and by}
        return int(owners.pop().split(" ")[1]) if owners else None

    pid = cluster.eventually(sender_pid, "a worker is part-way through the weekly digests")
    sender = next(w for w in cluster.workers if w.pid == pid)
    survivor = next(w for w in cluster.workers if w is not sender)
    assert cluster.a.process is not None
    # A machine going down: node A (server, its workers, its follower) and the sending worker.
    cluster.a.process.kill()
    sender.kill()
    cut = len(_received(cluster, WEEKLY_READERS))
    assert cut < len(WEEKLY_READERS), "the run had ended before the kill: slow the mail rate"

    # Node A is gone: refused, or reset when the connection met one of A's old ones still in
    # TIME-WAIT (Linux reuses those ports on loopback)...
    with pytest.raises((urllib.error.URLError, ConnectionResetError)):
        cluster.a.get("/healthz")
    # ...and node B serves on: its health, a page, the day's list, a search.
    assert cluster.b.get("/healthz").status == 200
    assert cluster.b.get(f"/papers/{VOTED_PAPER}").status == 200
    assert VOTED_PAPER in cluster.b.get("/").body
    assert cluster.b.search("agents")["ids"]

    # The killed worker's task died with it: Huey gives nobody a task a dead worker had taken,
    # and the schedule starts a period once. So the period's run is queued again, as an
    # operator does on the PaperwireDigestsNotSent alert; the surviving worker must take it
    # over, and the dead run's claims with it (their process is gone).
    cluster.queue(
        f"from paperwire.digests.tasks import send_digests; send_digests('weekly', '{day}')"
    )

    runs = cluster.eventually(
        lambda: _worker_runs([survivor], "weekly"),
        f"the surviving worker ({survivor.name}) finished the weekly digests",
        show=[survivor],
    )
    assert len(runs) == 1, runs
    received = _received(cluster, WEEKLY_READERS)
    twice = [rcpt for rcpt, n in Counter(received).items() if n > 1]
    assert not twice, f"{len(twice)} readers got their weekly digest more than once: {twice[:5]}"
    # None left out. The dead run's digests left `sending` (past their commit point: the
    # server took them, or was taking the one in flight) count as sent, logged `uncertain`,
    # and are never sent again; so a reader not served can only be the one in flight.
    uncertain = {
        email
        for (email,) in cluster.db.rows(
            "SELECT s.email FROM digests_delivery l JOIN digests_digest d ON d.id = l.digest_id "
            "JOIN digests_subscriber s ON s.id = d.subscriber_id "
            "WHERE d.frequency = 'weekly' AND l.outcome = 'uncertain'"
        )
    }
    missing = set(WEEKLY_READERS) - set(received)
    assert missing <= uncertain, (missing, uncertain)
    assert len(missing) <= 1, missing  # one message at most is in flight at a time
    assert {status for _, status, _ in cluster.db.rows(weekly)} == {"sent"}
