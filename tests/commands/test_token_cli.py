"""`paperwire token create | list | revoke`: API tokens for operators and scripts."""

from __future__ import annotations

import io
import re

import pytest
from allauth.account.models import EmailAddress  # type: ignore[import-untyped]
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from paperwire.library import Kind, Mark, mark_address
from tests.conftest import Cli
from tests.factories import account, paper

TOKEN = re.compile(r"pw_[A-Za-z0-9_-]{40,}")


def test_create_prints_only_the_token_so_a_shell_can_capture_it(cli: Cli):
    result = cli("token", "create", "Ada@Example.org")
    assert result.returncode == 0, result.stderr
    assert TOKEN.fullmatch(result.stdout.strip())
    assert result.stdout.count("\n") == 1
    assert "created the account ada@example.org" in result.stderr


def test_create_makes_the_account_once_and_a_new_token_each_time(cli: Cli):
    first = cli("token", "create", "ada@example.org").stdout.strip()
    second = cli("token", "create", "ADA@example.org", "--name", "laptop")
    assert second.returncode == 0, second.stderr
    assert "created the account" not in second.stderr
    assert second.stdout.strip() != first
    listing = cli("token", "list", "ada@example.org")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(second.stdout[:8])
    assert "\tlaptop\t" in lines[0]
    assert lines[1].startswith(first[:8])
    assert "\tcli\t" in lines[1]
    assert first not in listing.stdout  # the secret is never shown again


def test_revoke_by_the_listed_prefix(cli: Cli):
    token = cli("token", "create", "ada@example.org").stdout.strip()
    result = cli("token", "revoke", token[:8] + "…")
    assert result.returncode == 0, result.stderr
    assert f"revoked {token[:8]}" in result.stdout
    assert cli("token", "list", "ada@example.org").stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "not-an-address"), "not an e-mail address: 'not-an-address'"),
        (("create", "a@b.org", "--name", " "), "--name: give 1 to 100 printable characters"),
        (("list", "nobody@example.org"), "no account has the address nobody@example.org"),
        (("revoke", "pw_nothing"), "no token starts with 'pw_nothi'"),
        (("revoke", "pw"), "give the token's first characters as listed"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(cli: Cli, args: tuple[str, ...], message: str):
    result = cli("token", *args)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("CommandError: ")
    assert message in lines[0]


# In process, against the test's own database: the token the command prints is one the API
# takes, for the account the address names.


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("token", "create", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.mark.django_db
def test_the_token_opens_the_api_for_that_account():
    token = create("new.reader@example.org")
    reader = User.objects.get(email="new.reader@example.org")
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/library")
    assert response.status_code == 200
    assert reader.check_password("") is False
    assert not reader.has_usable_password()  # signs in on the site by a mailed code


@pytest.mark.django_db
def test_a_new_accounts_address_counts_as_confirmed():
    create("new.reader@example.org")
    address = EmailAddress.objects.get(email="new.reader@example.org")
    assert address.verified
    assert address.primary


@pytest.mark.django_db
def test_an_existing_account_gets_the_token_and_no_second_account():
    ada = account("ada@example.org")
    token = create("ADA@example.org")
    assert User.objects.count() == 1
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/library")
    assert response.status_code == 200
    assert EmailAddress.objects.get(user=ada).verified


@pytest.mark.django_db
def test_signals_given_from_the_address_follow_it_into_the_new_account():
    p = paper()
    mark_address("ada@example.org", p, Kind.MORE)
    create("ada@example.org")
    ada = User.objects.get(email="ada@example.org")
    assert Mark.objects.filter(user=ada, paper=p, kind=Kind.MORE).exists()
    assert not Mark.objects.filter(user=None).exists()


@pytest.mark.django_db
def test_a_blocked_account_gets_no_token():
    ada = account("ada@example.org")
    ada.is_active = False
    ada.save()
    with pytest.raises(CommandError, match="blocked"):
        create("ada@example.org")
    assert not ada.apitoken_set.exists()
