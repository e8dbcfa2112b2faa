"""`paperwire comments` as an operator runs it: the held queue, approve (by id or all),
hide, block an author; one-line errors, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import Cli

HELD_HOURS = {"PAPERWIRE_COMMENT_HOLD_HOURS": "24"}

# Comments written through the real code (discussion.post) in the CLI's own database, by a
# Python child with the same environment: the commands under test see what a site wrote.
WRITE = """
import datetime as dt, django, sys
django.setup()
from django.contrib.auth.models import User
from django.utils import timezone
from paperwire.catalogue.models import Paper
from paperwire.discussion import post
paper = Paper.objects.create(arxiv_id="2501.00001", title="A paper", abstract="About it.",
                             authors=["Ada Lovelace"], categories=["cs.LG"],
                             primary_category="cs.LG")
old = User.objects.create_user("old@example.org", "old@example.org")
old.date_joined = timezone.now() - dt.timedelta(days=30); old.save()
new = User.objects.create_user("new@example.org", "new@example.org")
for text in ["visible one", "visible two"]:
    print(post(old, paper, text).pk)
for text in ["held one", "held two", "held three"]:
    print(post(new, paper, text).pk)
"""


@pytest.fixture
def written(cli: Cli) -> tuple[Cli, list[int]]:
    assert cli("migrate", "--no-input").returncode == 0
    env = {**cli.env, **HELD_HOURS, "DJANGO_SETTINGS_MODULE": "paperwire.settings"}
    done = subprocess.run(
        [sys.executable, "-c", WRITE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return Cli({**cli.env, **HELD_HOURS}), [int(line) for line in done.stdout.split()]


def test_held_lists_the_queue_oldest_first(written: tuple[Cli, list[int]]):
    cli, ids = written
    result = cli("comments", "held")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [int(line.split("\t")[0]) for line in lines] == ids[2:]
    assert lines[0].split("\t")[1:3] == ["2501.00001", "new <new@example.org>"]
    assert lines[0].endswith("\theld one")
    assert result.stderr.strip() == "3 comment(s) waiting for a moderator"


def test_approve_by_id_and_then_all_held(written: tuple[Cli, list[int]]):
    cli, ids = written
    first = cli("comments", "approve", str(ids[2]), str(ids[0]))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "approved 1 comment(s); 1 were not held"
    rest = cli("comments", "approve", "--all-held")
    assert rest.stdout.strip() == "approved 2 comment(s)"
    assert cli("comments", "held").stdout == ""


def test_hide_and_block(written: tuple[Cli, list[int]]):
    cli, ids = written
    hidden = cli("comments", "hide", str(ids[0]))
    assert hidden.stdout.strip() == "hid 1 comment(s)"
    again = cli("comments", "hide", str(ids[0]))
    assert again.stdout.strip() == "hid 0 comment(s); 1 were hidden or deleted already"
    blocked = cli("comments", "block", "NEW@example.org")
    assert blocked.returncode == 0, blocked.stderr
    assert blocked.stdout.strip() == "NEW@example.org: blocked; hid 3 comment(s)"
    assert cli("comments", "held").stdout == ""
    token = cli("token", "create", "new@example.org")
    assert "blocked" in token.stderr


BAD_INPUT = [
    (["approve"], "give the ids of the comments to approve, or --all-held"),
    (["approve", "1", "--all-held"], "give comment ids or --all-held, not both"),
    (["approve", "x1"], "not a comment id (a number, as `comments held` lists): 'x1'"),
    (["hide", "999"], "no comment with the id 999; nothing was changed"),
    (["block", "nobody@example.org"], "no account has the address 'nobody@example.org'"),
]


def test_bad_input_is_one_line(written: tuple[Cli, list[int]]):
    cli, _ = written
    for args, error in BAD_INPUT:
        result = cli("comments", *args)
        assert result.returncode == 1, args
        assert result.stderr.strip() == f"CommandError: {error}"
