"""Digests claimed, not assumed: two senders on one period send each digest once."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from paperwire.catalogue.periods import containing
from paperwire.digests.compose import compose_period
from paperwire.digests.mime import Outbound
from paperwire.digests.models import Delivery, Digest
from paperwire.digests.send import CLAIM_LEASE, Sender
from paperwire.digests.transport import Commit, Reply, SmtpTransport
from tests.conftest import Cli
from tests.digests.conftest import SmtpSink
from tests.factories import DAY, paper, real_day_with_subscribers, subscriber

DAILY = containing("daily", DAY)
HOST = socket.gethostname()


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    return int(child.stdout)


def zombie_pid() -> int:
    """The pid of a process that was killed and not yet reaped by its parent (this test)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child.kill()
    while Path(f"/proc/{child.pid}/stat").exists():
        if Path(f"/proc/{child.pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z":
            break
    ZOMBIES.append(child)  # reaped when the test ends
    return child.pid


ZOMBIES: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _reap() -> Iterator[None]:
    yield
    while ZOMBIES:
        ZOMBIES.pop().wait()


def composed(*people: str) -> None:
    paper("2503.00001", "Popular", upvotes=3)
    for person in people:
        subscriber(person)
    compose_period(DAILY)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("owner", "age", "taken"),
    [
        (f"{HOST} {{live}} abcd1234 run1", dt.timedelta(0), False),
        (f"{HOST} {{dead}} abcd1234 run1", dt.timedelta(0), True),
        (f"{HOST} {{zombie}} abcd1234 run1", dt.timedelta(0), True),
        ("another-machine 4242 abcd1234 run1", dt.timedelta(minutes=1), False),
        ("another-machine 4242 abcd1234 run1", CLAIM_LEASE + dt.timedelta(minutes=1), True),
        (f"{HOST} {{live}} abcd1234 run1", CLAIM_LEASE + dt.timedelta(minutes=1), True),
    ],
    ids=[
        "live here",
        "dead here",
        "killed, not reaped",
        "elsewhere, recent",
        "elsewhere, expired",
        "live, expired",
    ],
)
def test_a_claim_is_left_alone_while_its_run_may_be_alive(
    smtp_sink: SmtpSink, owner: str, age: dt.timedelta, taken: bool
):
    composed("held@example.org", "free@example.org")
    # the parent of this test process is alive; the pid of a finished child is not
    owner = owner.format(
        live=os.getppid(),
        dead=dead_pid() if "dead" in owner else 0,
        zombie=zombie_pid() if "zombie" in owner else 0,
    )
    Digest.objects.filter(subscriber__email="held@example.org").update(
        claimed_by=owner, claimed_at=timezone.now() - age
    )
    summary = Sender(rate=0).send_period(DAILY)
    assert summary.sent == (2 if taken else 1)
    assert sorted(smtp_sink.rcpt_tos) == (
        ["free@example.org", "held@example.org"] if taken else ["free@example.org"]
    )
    held = Digest.objects.get(subscriber__email="held@example.org")
    assert (held.status, held.claimed_by == owner) == (
        ("sent", False) if taken else ("pending", True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("alive", [True, False], ids=["live run", "dead run"])
def test_a_digest_left_sending_is_settled_only_when_its_run_is_gone(
    smtp_sink: SmtpSink, alive: bool
):
    composed("a@example.org")
    pid = os.getppid() if alive else dead_pid()
    Digest.objects.update(status="sending", claimed_by=f"{HOST} {pid} abcd1234 run1",
                          claimed_at=timezone.now())  # fmt: skip
    summary = Sender(rate=0).send_period(DAILY)
    # A live run records its own digest when the server answers: not counted here, not twice.
    assert (summary.sent, summary.uncertain) == (0, 0 if alive else 1)
    assert Digest.objects.get().status == ("sending" if alive else "sent")
    assert Delivery.objects.count() == (0 if alive else 1)
    assert smtp_sink.messages == []


class StolenBeforeTheCommit(SmtpTransport):
    """Another sender takes the first digest's claim while this one is handing it over."""

    def __init__(self) -> None:
        super().__init__()
        self.stolen = False

    def start(self, message: Outbound, commit: Commit) -> Callable[[], Reply]:
        if not self.stolen:
            self.stolen = True
            Digest.objects.filter(subscriber__email=message.to).update(
                claimed_by="another-machine 1 abcd1234 run2", claimed_at=timezone.now()
            )
        return super().start(message, commit)


@pytest.mark.django_db
@pytest.mark.parametrize("pipelining", [False, True], ids=["plain", "pipelining"])
def test_a_claim_lost_at_the_commit_point_sends_nothing(smtp_sink: SmtpSink, pipelining: bool):
    smtp_sink.pipelining = pipelining
    composed("first@example.org", "second@example.org")
    summary = Sender(rate=0, transport=StolenBeforeTheCommit()).send_period(DAILY)
    # The whole message but its last byte had gone; the connection was dropped instead, so the
    # server discarded it. The next message went on a new connection.
    assert (summary.sent, summary.taken, summary.uncertain) == (1, 1, 0)
    assert smtp_sink.rcpt_tos == ["second@example.org"]
    first = Digest.objects.get(subscriber__email="first@example.org")
    assert (first.status, first.attempts, first.claimed_by) == (
        "pending", 0, "another-machine 1 abcd1234 run2",
    )  # fmt: skip
    assert "taken by another sender 1" in summary.line()


SUMMARY = re.compile(
    r"sent (\d+) · temporary failures (\d+) · refused (\d+) · uncertain (\d+) · "
    r"left for later (\d+) in"
)


def test_two_senders_at_once_send_every_digest_once(cli: Cli, smtp_sink: SmtpSink, tmp_path: Path):
    people = [f"reader{n:03d}@example.org" for n in range(300)]
    day = real_day_with_subscribers(cli, tmp_path, "".join(f"{p},daily,\n" for p in people))
    cli.env["PAPERWIRE_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_sink.port}"
    cli.env["PAPERWIRE_MAIL_RATE"] = "0"
    # No message is answered before both senders have connected: they overlap for certain.
    smtp_sink.hold_until_sessions = 2
    send = ("digest", "send", "--period", "daily", "--date", day, "--no-progress")
    senders = [cli.popen(*send), cli.popen(*send)]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], outputs
    counts = []
    for stdout, _ in outputs:
        found = SUMMARY.search(stdout)
        assert found, stdout
        counts.append(tuple(int(n) for n in found.groups()))
    # each run counts what it sent itself; together, every digest, and nothing else
    assert all(sent > 0 for sent, *_ in counts), counts
    assert sum(sent for sent, *_ in counts) == len(people)
    assert [c[1:] for c in counts] == [(0, 0, 0, 0)] * 2, counts
    assert "taken by another sender" not in outputs[0][0] + outputs[1][0]
    received = sorted(r for e in smtp_sink.envelopes for r in e.rcpt_tos)
    assert received == people  # every digest once: none lost, none twice
    # none left sending: a third run has nothing to settle (it would count it uncertain)
    again = cli(*send)
    assert "sent 0 · temporary failures 0 · refused 0 · uncertain 0 · left for later 0" in (
        again.stdout
    )
    assert len(smtp_sink.envelopes) == len(people)
