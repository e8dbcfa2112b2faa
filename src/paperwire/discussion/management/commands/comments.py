"""paperwire comments held | approve ID... | --all-held | hide ID... | block EMAIL"""

from __future__ import annotations

from typing import Any

# allauth ships no type information
from allauth.account.utils import filter_users_by_email  # type: ignore[import-untyped]
from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.discussion import Comment, approve, block, excerpt, held, hide, public_name


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not value.isdigit():
            raise CommandError(
                f"not a comment id (a number, as `comments held` lists): {value[:40]!r}"
            )
        ids.append(int(value))
    return ids


class Command(PaperwireCommand):
    help = "Moderate the discussion: list held comments, approve, hide, block an author."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{held,approve,hide,block}")
        actions.required = True
        actions.add_parser(
            "held",
            help="list the comments waiting for a moderator, oldest first",
            description="One line per held comment: id, paper, author, age of the account "
            "when it wrote, and its first words.",
        )
        approve_ = actions.add_parser(
            "approve",
            help="make held comments visible to everyone",
            description="Approve held comments by id, or every held comment with --all-held. "
            "Each approved comment is announced once (its notifications go out).",
        )
        approve_.add_argument("ids", metavar="ID", nargs="*")
        approve_.add_argument("--all-held", action="store_true", help="every held comment")
        hide_ = actions.add_parser(
            "hide",
            help="hide comments from everyone",
            description="Hide visible or held comments by id; their replies stay, under a "
            "placeholder.",
        )
        hide_.add_argument("ids", metavar="ID", nargs="+")
        block_ = actions.add_parser(
            "block",
            help="block an account and hide everything it wrote",
            description="Block the account with this e-mail address (it can no longer sign "
            "in, comment, vote or submit; as the admin's block) and hide its comments.",
        )
        block_.add_argument("email", metavar="EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        action = options["action"]
        if action == "held":
            self.list_held()
        elif action == "approve":
            self.approve(options["ids"], options["all_held"])
        elif action == "hide":
            self.hide(_ids(options["ids"]))
        else:
            self.block(options["email"])

    def list_held(self) -> None:
        waiting = list(held())
        for comment in waiting:
            self.stdout.write(
                f"{comment.pk}\t{comment.paper.arxiv_id}\t{_who(comment)}\t"
                f"{comment.created_at:%Y-%m-%d %H:%M}\t{excerpt(comment.body, 60)}"
            )
        self.stderr.write(f"{len(waiting)} comment(s) waiting for a moderator")

    def approve(self, values: list[str], all_held: bool) -> None:
        if all_held and values:
            raise CommandError("give comment ids or --all-held, not both")
        if not all_held and not values:
            raise CommandError("give the ids of the comments to approve, or --all-held")
        if all_held:
            ids = list(held().values_list("pk", flat=True))
        else:
            ids = _ids(values)
            _known(ids)
        count = approve(ids)
        skipped = len(ids) - count
        note = f"; {skipped} were not held" if skipped else ""
        self.stdout.write(f"approved {count} comment(s){note}")

    def hide(self, ids: list[int]) -> None:
        _known(ids)
        count = hide(ids)
        skipped = len(ids) - count
        note = f"; {skipped} were hidden or deleted already" if skipped else ""
        self.stdout.write(f"hid {count} comment(s){note}")

    def block(self, email: str) -> None:
        address = email.strip()
        users = filter_users_by_email(address) if address else []
        if not users:
            raise CommandError(f"no account has the address {address[:100]!r}")
        blocked, hidden = block(users)
        state = "blocked" if blocked else "was blocked already"
        self.stdout.write(f"{address}: {state}; hid {hidden} comment(s)")


def _known(ids: list[int]) -> None:
    found = set(Comment.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise CommandError(f"no comment with the id {', '.join(missing)}; nothing was changed")


def _who(comment: Comment) -> str:
    author = comment.author
    email = getattr(author, "email", "") if author is not None else ""
    # The operator sees the address (the public name alone would not say whose it is).
    return f"{public_name(author)} <{email}>" if email else public_name(author)
