"""`paperwire worker` says at start, a line each, what it is configured to do: its queue, each
schedule entry, the categories it harvests (a default set when none are named), the mail
server without its password."""

from __future__ import annotations

import subprocess
import time

from tests.commands.test_serve import free_port
from tests.conftest import Cli


def start_lines(cli: Cli, *args: str) -> list[str]:
    worker = cli.popen("worker", "--workers", "1", *args)
    lines: list[str] = []
    try:
        assert worker.stderr is not None
        deadline = time.monotonic() + 60
        while not any("periodic tasks:" in line for line in lines):
            line = worker.stderr.readline()
            assert line or worker.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "the worker said nothing in 60 s"
            lines.append(line)
        # ...and the mail line after it.
        lines.append(worker.stderr.readline())
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return [line for line in lines if "logger=paperwire.worker" in line]


def test_a_worker_with_nothing_configured_harvests_the_default_categories(cli: Cli):
    lines = start_lines(cli)
    text = "\n".join(lines)
    assert 'msg="queue: sqlite ' in text
    assert 'msg="schedule: harvest: every day at 05:00 UTC"' in text
    assert 'msg="schedule: daily digests: every day at 07:00 UTC"' in text
    assert 'msg="schedule: weekly digests: Mondays at 07:00 UTC"' in text
    assert "harvest categories: cs.AI,cs.CL,cs.CV,cs.LG" in text
    assert "paperwire.schedule.hourly" in text
    assert "mail: console" in text


def test_the_configured_categories_hours_and_servers_are_said_without_passwords(cli: Cli):
    cli.env.update(
        PAPERWIRE_HARVEST_CATEGORIES="math.AG,hep-th",
        PAPERWIRE_HARVEST_HOUR="4",
        PAPERWIRE_DIGEST_HOUR="8",
        PAPERWIRE_DIGEST_WEEKDAY="4",
        PAPERWIRE_DIGEST_TIME_ZONE="Europe/Berlin",
        PAPERWIRE_SMTP_URL="smtp+tls://lab:hunter2secret@mail.example.org:587",
        # Said, not reached: nothing listens there, and the start lines come first.
        PAPERWIRE_QUEUE_URL=f"redis://:queuesecret@127.0.0.1:{free_port()}/3",
    )
    text = "\n".join(start_lines(cli))
    assert "schedule: harvest: every day at 04:00 Europe/Berlin" in text
    assert "schedule: weekly digests: Fridays at 08:00 Europe/Berlin" in text
    assert "harvest categories: math.AG,hep-th" in text
    assert "mail: smtp mail.example.org:587 (starttls) with a login" in text
    assert "hunter2secret" not in text
    assert "queue: redis redis://127.0.0.1:" in text
    assert "queuesecret" not in text


def test_no_harvest_is_said_too(cli: Cli):
    text = "\n".join(start_lines(cli, "--no-harvest"))
    assert "schedule: harvest: off (HARVEST_CATEGORIES is empty)" in text
    assert "harvest categories: none" in text
