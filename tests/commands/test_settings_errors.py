"""A command or server started with a setting paperwire cannot use stops at once, with one line
naming the variable on standard error and a non-zero exit status: no traceback, and no value
quietly taken to mean something else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands.test_serve import free_port
from tests.conftest import Cli

GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture
def bare(tmp_path: Path) -> Cli:
    """The console script with none of the caller's PAPERWIRE_* variables, in its own data dir
    (the settings are refused before any database is opened)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_")}
    env["PAPERWIRE_DATA_DIR"] = str(tmp_path / "data")
    return Cli(env)


BAD = [
    ("PAPERWIRE_DIGEST_HOUR", "24", "must be a whole number from 0 to 23, not '24'"),
    ("PAPERWIRE_SEMANTIC", "of", "must be true or false (or on/off, yes/no, 1/0), not 'of'"),
    ("PAPERWIRE_EMBED_INLINE_MAX", "abc", "must be a whole number, 0 or more, not 'abc'"),
    ("PAPERWIRE_QUERY_THREADS", "0", "must be a whole number, 1 or more, not '0'"),
    (
        "PAPERWIRE_RATE_LIMIT_VOTES",
        "60 per minute",
        "must be a rate such as 60/m (a count per s, m, h or d, or per 15m), not '60 per minute'",
    ),
    (
        "PAPERWIRE_SECRET_KEY_FILE",
        "/missing/secret",
        "must be the path of a readable file holding the secret, not '/missing/secret' "
        "(No such file or directory)",
    ),
]


def only_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(("name", "value", "says"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_value_stops_a_command_with_one_line_naming_it(bare: Cli, name, value, says):
    bare.env[name] = value
    result = bare("stats")
    assert result.returncode == 2
    assert only_line(result.stderr) == f"paperwire: {name} {says}"
    assert result.stdout == ""


@pytest.mark.parametrize("args", [(), ("help",), ("migrate",)], ids=["bare", "help", "migrate"])
def test_a_bad_value_stops_help_and_djangos_own_commands_too(bare: Cli, args):
    bare.env["PAPERWIRE_SEMANTIC"] = "of"
    result = bare(*args)
    assert result.returncode == 2
    assert only_line(result.stderr).startswith("paperwire: PAPERWIRE_SEMANTIC must be")


def test_an_unknown_mail_scheme_is_one_line_too(bare: Cli):
    # The mail URL has its own parser (paperwire/mailconfig.py); its error is shown the same way.
    bare.env["PAPERWIRE_SMTP_URL"] = "smtpx://h"
    result = bare("stats")
    assert result.returncode == 2
    assert only_line(result.stderr).startswith("paperwire: PAPERWIRE_SMTP_URL")


def test_the_server_refuses_to_start_the_same_way(bare: Cli):
    bare.env["PAPERWIRE_DIGEST_WEEKDAY"] = "7"
    result = bare("serve", "--port", str(free_port()), timeout=30)
    assert result.returncode == 2
    assert only_line(result.stderr) == (
        "paperwire: PAPERWIRE_DIGEST_WEEKDAY must be a whole number from 0 to 6, not '7'"
    )


def test_gunicorn_run_directly_stops_with_the_line_instead_of_restarting_workers(bare: Cli):
    bare.env["PAPERWIRE_DIGEST_HOUR"] = "24"
    result = subprocess.run(
        [str(GUNICORN), "--bind", "127.0.0.1:0", "--workers", "1", "paperwire.wsgi:application"],
        env=bare.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    line = "paperwire: PAPERWIRE_DIGEST_HOUR must be a whole number from 0 to 23, not '24'"
    assert result.stderr.splitlines().count(line) == 1


def test_good_values_in_any_of_their_spellings_start_the_command(bare: Cli):
    bare.env.update(
        {
            "PAPERWIRE_DIGEST_HOUR": "23",
            "PAPERWIRE_SEMANTIC": "Off",
            "PAPERWIRE_EMBED_INLINE_MAX": "",  # empty: the default
            "PAPERWIRE_RATE_LIMIT_VOTES": "100/15m",
            "PAPERWIRE_TRUSTED_PROXIES": "1",
        }
    )
    result = bare("stats")
    assert result.returncode == 0, result.stderr
    assert "papers" in result.stdout


def test_a_secret_from_the_environment_still_gets_a_data_directory_for_the_queue(
    bare: Cli, tmp_path: Path
):
    data = tmp_path / "fresh" / "data"
    bare.env.update(PAPERWIRE_SECRET_KEY="from-the-environment", PAPERWIRE_DATA_DIR=str(data))
    result = bare("check")
    assert result.returncode == 0, result.stderr
    assert (data / "queue.sqlite3").exists()


def test_a_queue_directory_that_cannot_be_made_is_one_line(bare: Cli, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    bare.env.update(PAPERWIRE_SECRET_KEY="x", PAPERWIRE_DATA_DIR=str(blocker / "data"))
    result = bare("check")
    assert result.returncode == 2
    line = only_line(result.stderr)
    assert line.startswith(f"paperwire: the task queue's directory {blocker / 'data'} cannot be")
    assert "PAPERWIRE_DATA_DIR" in line
