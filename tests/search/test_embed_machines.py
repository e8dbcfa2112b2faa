"""Several `paperwire embed` runs against one database, as on several machines.

Real child processes with the real model, sharing the database the suite runs on (SQLite,
or PostgreSQL under `make test-pgvector` or PAPERWIRE_DATABASE_URL): each run claims its
own batches, so together they encode every paper exactly once, and a batch claimed by a run
killed with SIGKILL is taken over by another: at once on the same machine, which sees the
process has gone, and once the claim's lease has expired from any other.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from paperwire.search.documents import content_hash
from paperwire.search.embeddings import current_model_id
from tests.commands.test_killable import KAGGLE, Running, Scratch
from tests.conftest import Cli, shared

PAPERS = 200
# Small batches, so that each run gets many and both are at work at once; int8 named, so
# that neither spends its first seconds measuring the variants.
EMBED = ("embed", "--batch", "8", "--variant", "int8", "--no-progress")
EMBEDDED = re.compile(r"^embedded (\d+) papers \((\d+) unchanged\)", re.M)


@pytest.fixture
def scratch(scratch_database_url: str) -> Iterator[Scratch]:
    database = Scratch(scratch_database_url)
    yield database
    database.close()


@pytest.fixture
def catalogue(cli: Cli, scratch: Scratch, tmp_path: Path) -> list[tuple[int, str, str]]:
    """The 200 real papers of the Kaggle sample, imported with nothing embedded."""
    imported = cli("import", "kaggle", str(shared(KAGGLE)), "--no-progress")
    assert imported.returncode == 0, imported.stderr
    papers = scratch.rows("SELECT id, title, abstract FROM catalogue_paper")
    assert len(papers) == PAPERS
    return papers


def encoded(output: str) -> int:
    """Papers a run says it encoded, over all its rounds."""
    return sum(int(done) for done, _ in EMBEDDED.findall(output))


def each_paper_embedded_once(scratch: Scratch, papers: list[tuple[int, str, str]]) -> None:
    embedded = scratch.rows("SELECT paper_id, model, content_hash FROM search_embedding")
    assert sorted(embedded) == sorted(
        (pk, current_model_id(), content_hash(title, abstract)) for pk, title, abstract in papers
    )
    assert scratch.value("SELECT count(*) FROM search_embeddingclaim") == 0


def test_two_runs_at_once_share_the_papers_and_encode_each_once(
    cli: Cli, scratch: Scratch, catalogue: list[tuple[int, str, str]]
):
    runs = [cli.popen(*EMBED), cli.popen(*EMBED)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr

    shares = [encoded(stdout) for stdout, _ in outputs]
    # Both worked, and the papers they encoded add up to the catalogue: had any paper been
    # encoded by both, the sum would be larger.
    assert all(share > 0 for share in shares), outputs
    assert sum(shares) == PAPERS
    each_paper_embedded_once(scratch, catalogue)


def killed_mid_batch(cli: Cli, scratch: Scratch, *lease: str) -> tuple[dict[Any, Any], int]:
    """Start a run, SIGKILL it while it holds a claimed batch; the claims it left behind
    (paper -> expiry) and how many papers were embedded by then."""
    killed = Running(cli.popen(*EMBED, *lease))
    killed.kill_when(
        lambda: (
            scratch.value("SELECT count(*) FROM search_embedding") >= 16
            and scratch.value("SELECT count(*) FROM search_embeddingclaim") > 0
        )
    )
    # Claims and vectors are written in one transaction: what is still claimed is not embedded.
    left = dict(scratch.rows("SELECT paper_id, expires_at FROM search_embeddingclaim"))
    assert left
    claimed = ",".join(str(int(pk)) for pk in left)  # whole numbers from the database
    assert not scratch.rows(f"SELECT paper_id FROM search_embedding WHERE paper_id IN ({claimed})")  # noqa: S608
    return left, scratch.value("SELECT count(*) FROM search_embedding")


def encoded_at(scratch: Scratch, papers: Iterable[Any]) -> dict[Any, Any]:
    listed = ",".join(str(int(pk)) for pk in papers)
    return dict(
        scratch.rows(
            f"SELECT paper_id, encoded_at FROM search_embedding WHERE paper_id IN ({listed})"  # noqa: S608
        )
    )


def test_a_killed_runs_batch_is_taken_over_at_once_on_its_own_machine(
    cli: Cli, scratch: Scratch, catalogue: list[tuple[int, str, str]]
):
    left, kept = killed_mid_batch(cli, scratch)  # the default lease: ten minutes

    resumed = cli(*EMBED)
    assert resumed.returncode == 0, resumed.stderr
    # The rest, the killed run's batch among them, long before its claims would expire.
    assert encoded(resumed.stdout) == PAPERS - kept
    assert "claimed by other runs" not in resumed.stdout
    taken_over = encoded_at(scratch, left)
    assert taken_over.keys() == left.keys()
    assert all(taken_over[pk] < left[pk] for pk in left)
    each_paper_embedded_once(scratch, catalogue)


def test_a_batch_claimed_on_another_machine_is_taken_over_once_its_lease_has_expired(
    cli: Cli, scratch: Scratch, catalogue: list[tuple[int, str, str]]
):
    left, kept = killed_mid_batch(cli, scratch, "--lease", "3")
    # There is no second machine here: the claims are renamed to one this machine cannot
    # look at, so only their lease can free them.
    scratch.execute("UPDATE search_embeddingclaim SET owner = 'elsewhere 4242 abcd1234'")

    other = cli.popen(*EMBED, "--lease", "3", "--loop", "--interval", "0.5")
    deadline = time.monotonic() + 240
    while scratch.value("SELECT count(*) FROM search_embedding") < PAPERS:
        assert other.poll() is None, other.communicate()
        assert time.monotonic() < deadline, "the other run did not finish the papers"
        time.sleep(0.2)
    other.send_signal(signal.SIGTERM)
    stdout, stderr = other.communicate(timeout=60)
    assert other.returncode == 0, stderr

    assert encoded(stdout) == PAPERS - kept  # the rest, the killed run's batch among them
    # The killed run's batch was encoded only after its claim had expired.
    taken_over = encoded_at(scratch, left)
    assert taken_over.keys() == left.keys()
    assert all(taken_over[pk] >= left[pk] for pk in left)
    each_paper_embedded_once(scratch, catalogue)


def test_the_run_says_which_variant_it_runs_and_why(cli: Cli, catalogue):
    result: subprocess.CompletedProcess[str] = cli(*EMBED, "--limit", "8")
    assert result.returncode == 0, result.stderr
    assert "model variant int8: asked for; CPU " in result.stdout
    bad = cli("embed", "--batch", "0")
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines()[-1].endswith("--batch must be more than 0")
