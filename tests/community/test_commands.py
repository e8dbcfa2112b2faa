"""The operator's commands: `paperwire claims` (list, approve by id or all, reject) and
`paperwire people` (show a name, rebuild the index, a reader's follows); bad input is one line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from paperwire.community import claim_author, claim_paper, set_follow
from paperwire.community.models import Claim, ClaimStatus, NameKey
from tests.factories import account, paper

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_approve_and_reject_claims() -> None:
    ana = account("ana@example.org")
    mine = paper(authors=["Ana Müller"])
    by_name = claim_author(ana, "Ana Müller").claim
    by_paper = claim_paper(ana, mine).claim
    out, err = run("claims", "list")
    assert out.splitlines()[0].split("\t")[:4] == [
        str(by_name.pk),
        "ana@example.org",
        "author Ana Müller",
        "pending",
    ]
    assert err.strip() == "2 claims"
    assert run("claims", "approve", str(by_name.pk))[0].strip() == "approved 1 claim"
    assert run("claims", "list")[1].strip() == "1 claim"
    assert run("claims", "approve", "--all")[0].strip() == "approved 1 claim"
    assert run("claims", "reject", str(by_paper.pk))[0].strip() == "rejected 1 claim"
    assert dict(Claim.objects.values_list("pk", "status")) == {
        by_name.pk: ClaimStatus.APPROVED,
        by_paper.pk: ClaimStatus.REJECTED,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("claims", "approve", "99"), "no claim has the id 99"),
        (("claims", "approve", "x1"), "not a claim id: 'x1' (ids are numbers, see `claims list`)"),
        (("claims", "approve"), "give the ids of the claims to approve (see `claims list`)"),
        (("people", "show", "Yang Li"), "no papers under the name 'Yang Li' in the catalogue"),
        (("people", "follows", "nobody@example.org"), "no account has the address"),
    ],
)
def test_bad_input_is_one_line(args: tuple[str, ...], message: str) -> None:
    paper(authors=["Yang Liu"])
    with pytest.raises(CommandError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)


def test_people_show_and_reindex() -> None:
    paper(title="One", authors=["Yang Li", "Bo Chen"], categories=["cs.CL"])
    paper(title="Two", authors=["Yang Liu"])
    out, _ = run("people", "show", "yang li")
    assert out.splitlines()[:3] == [
        "Yang Li: 1 paper",
        "categories: cs.CL (1)",
        "co-authors: Bo Chen (1)",
    ]
    assert out.splitlines()[3].endswith("\tOne")
    NameKey.objects.all().delete()
    assert run("people", "reindex")[0].strip() == "indexed the names of 2 papers"
    assert NameKey.objects.filter(term="a:yang li").count() == 1


def test_people_follows() -> None:
    reader = account("reader@example.org")
    set_follow(reader, "org", "Hugging Face", following=True)
    assert run("people", "follows", "READER@example.org")[0] == "org\tHugging Face\n"
