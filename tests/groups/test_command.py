"""`paperwire group` as an operator runs it: list, show, export (JSON), add and remove members;
a wrong slug or address is one line, never a traceback."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from paperwire.groups import Membership, add_paper, collection_named, propose
from tests.conftest import Cli
from tests.factories import account, group, membership_of, paper


def run(*args: str) -> str:
    out = StringIO()
    call_command("group", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def lab():
    owner, member = account("owner@lab.org"), account("member@lab.org")
    made = group("Vision lab", owner=owner, members=(member,))
    who = membership_of(member, made)
    target = paper(title="A shared paper")
    add_paper(who, collection_named(who, "Diffusion"), target)
    propose(who, target)
    return made


def test_list_and_show(lab):
    assert run("list").splitlines() == [
        "vision-lab\tVision lab\t2 members\t1 collections\t1 on the queue"
    ]
    shown = run("show", "vision-lab")
    assert "owner@lab.org\towner" in shown
    assert "member@lab.org\tmember" in shown
    assert "diffusion\tDiffusion\t1 papers" in shown
    assert "1 votes\tA shared paper" in shown


def test_export_is_the_whole_group_as_json(lab, tmp_path: Path):
    data = json.loads(run("export", "vision-lab", "--format", "json"))
    assert [m["email"] for m in data["members"]] == ["owner@lab.org", "member@lab.org"]
    assert data["collections"][0]["papers"][0]["title"] == "A shared paper"
    assert data["collections"][0]["papers"][0]["added_by"] == "member@lab.org"
    assert data["queue"][0]["votes"] == ["member@lab.org"]
    target = tmp_path / "lab.json"
    run("export", "vision-lab", "--output", str(target))
    assert json.loads(target.read_text()) == data


def test_add_and_remove_members(lab):
    newcomer = account("new@lab.org")
    assert run("add-member", "vision-lab", "NEW@lab.org") == "new@lab.org is member of vision-lab\n"
    assert run("add-member", "vision-lab", "new@lab.org", "--owner").startswith(
        "new@lab.org is owner"
    )
    assert Membership.objects.get(user=newcomer).role == "owner"
    assert "no longer in vision-lab" in run("remove-member", "vision-lab", "new@lab.org")
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "nope"), "no group 'nope'"),
        (("add-member", "vision-lab", "ghost@lab.org"), "no account with the address"),
        (("remove-member", "vision-lab", "outsider@x.org"), "is not a member of vision-lab"),
    ],
)
def test_bad_input_is_one_line(lab, args: tuple[str, ...], message: str):
    account("outsider@x.org")
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_console_script_says_one_line_and_no_traceback(cli: Cli):
    result = cli("group", "show", "nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: no group 'nope': `paperwire group list` shows them"
    ]
    assert cli("group", "list").stderr.strip() == "no groups yet"
