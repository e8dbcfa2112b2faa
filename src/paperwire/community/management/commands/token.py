"""paperwire token create EMAIL | list EMAIL | revoke PREFIX"""

from __future__ import annotations

from typing import Any

# allauth ships no type information
from allauth.account.adapter import get_adapter  # type: ignore[import-untyped]
from allauth.account.models import EmailAddress  # type: ignore[import-untyped]
from allauth.account.utils import (  # type: ignore[import-untyped]
    filter_users_by_email,
    user_email,
)
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from paperwire.command import PaperwireCommand
from paperwire.community.models import ApiToken, hash_token
from paperwire.db import ensure_schema
from paperwire.library import claim_address

MAX_NAME = 100  # ApiToken.name


class Command(PaperwireCommand):
    help = "Create, list or revoke API tokens for an account."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{create,list,revoke}")
        actions.required = True
        create = actions.add_parser(
            "create",
            help="print a new API token for an account, creating the account if needed",
            description="Print a new API token for the account with this e-mail address, and "
            "nothing else, so that TOKEN=$(paperwire token create a@b.org) works. An account "
            "that does not exist yet is created, its address counted as confirmed (you vouch "
            "for it); the reader signs in on the site with a code mailed to it. Send the token "
            "as 'Authorization: Bearer <token>'.",
        )
        create.add_argument("email", metavar="EMAIL")
        create.add_argument(
            "--name", default="cli", help="to tell the account's tokens apart (default: cli)"
        )
        listing = actions.add_parser(
            "list", help="list an account's tokens (their first characters, never the secret)"
        )
        listing.add_argument("email", metavar="EMAIL")
        revoke = actions.add_parser(
            "revoke",
            help="revoke a token, named by its first characters (as listed) or in full",
        )
        revoke.add_argument("prefix", metavar="PREFIX")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        if options["action"] == "create":
            self.create(options["email"], options["name"])
        elif options["action"] == "list":
            self.list(options["email"])
        else:
            self.revoke(options["prefix"])

    def create(self, email: str, name: str) -> None:
        name = " ".join("".join(ch for ch in name if ch.isprintable()).split())
        if not name or len(name) > MAX_NAME:
            raise CommandError(f"--name: give 1 to {MAX_NAME} printable characters")
        address = _address(email)
        with transaction.atomic():
            user, created = _account(address)
            if not user.is_active:
                raise CommandError(f"the account {address} is blocked; unblock it in the admin")
            _, raw = ApiToken.issue(user, name)
        if created:
            self.stderr.write(f"created the account {address}")
        self.stderr.write(f"new token {raw[:8]}… ({name}) for {address}")
        self.stdout.write(raw)

    def list(self, email: str) -> None:
        user = _existing(_address(email))
        tokens = ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
        for token in tokens:
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
            self.stdout.write(f"{token.prefix}…\t{token.name}\t{token.created_at:%Y-%m-%d}\t{used}")
        self.stderr.write(f"{len(tokens)} token{'s' if len(tokens) != 1 else ''}")

    def revoke(self, prefix: str) -> None:
        text = prefix.strip().rstrip("…")
        if len(text) < 4:
            raise CommandError("give the token's first characters as listed, e.g. pw_AbC1x")
        found = list(ApiToken.objects.filter(digest=hash_token(text)))
        if not found:
            # Listed prefixes are 8 characters; fewer may name several tokens.
            found = list(ApiToken.objects.filter(prefix__startswith=text[:8]))
            if len(text) > 8 and found:
                found = []  # longer than a prefix and not the token itself: nothing is named
        if not found:
            raise CommandError(f"no token starts with {text[:8]!r}")
        if len(found) > 1:
            raise CommandError(
                f"{len(found)} tokens start with {text!r}; give the whole prefix as listed"
            )
        token = found[0]
        token.delete()
        self.stdout.write(f"revoked {token.prefix}… ({token.name}) of {token.user.email}")


def _address(text: str) -> str:
    address = text.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise CommandError(f"not an e-mail address: {text[:100]!r}") from None
    # allauth keeps addresses in lower case, and finds them so.
    return address.lower()


def _existing(address: str) -> User:
    users = filter_users_by_email(address, prefer_verified=True)
    if not users:
        raise CommandError(f"no account has the address {address}")
    user: User = users[0]
    return user


def _account(address: str) -> tuple[User, bool]:
    """The account with this address, made as allauth's sign-up makes one if there is none,
    with the address confirmed (an operator vouches for it) and its signals claimed."""
    users = filter_users_by_email(address, prefer_verified=True)
    created = not users
    if users:
        user: User = users[0]
    else:
        adapter = get_adapter()
        user = adapter.new_user(None)
        user_email(user, address)
        adapter.populate_username(None, user)
        user.set_unusable_password()
        user.save()
    record = EmailAddress.objects.filter(user=user, email__iexact=address).first()
    if record is None:
        primary = not EmailAddress.objects.filter(user=user, primary=True).exists()
        EmailAddress.objects.create(user=user, email=address, verified=True, primary=primary)
    elif not record.verified:
        record.verified = True
        record.save(update_fields=["verified"])
    # As at sign-up: digest feedback given from this address before it had an account.
    claim_address(user, address)
    return user, created
