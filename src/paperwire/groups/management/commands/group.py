"""paperwire group list | show SLUG | export SLUG [--format json] [--output FILE]
| add-member SLUG EMAIL [--owner] | remove-member SLUG EMAIL"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import Count

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.groups import (
    Group,
    Membership,
    Role,
    add_member,
    export_group,
    leave,
    queue_of,
)


class Command(PaperwireCommand):
    help = "List, show and export groups, and add or remove members (an operator's tools)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", metavar="{list,show,export,add-member,remove-member}"
        )
        actions.required = True
        actions.add_parser(
            "list",
            help="every group with its members, collections and open proposals",
            description="Every group: its slug, name, and how many members, collections and "
            "open proposals it has.",
        )
        show = actions.add_parser(
            "show",
            help="a group's members, collections and reading queue",
            description="A group's members (with roles), open invitations, collections (with "
            "their sizes) and reading queue (most votes first).",
        )
        show.add_argument("slug", metavar="SLUG")
        exp = actions.add_parser(
            "export",
            help="write a group's members, collections and queue as JSON",
            description="Write everything of a group as one JSON document: members and open "
            "invitations (addresses), collections with their papers and who added them, and "
            "the reading queue with its votes, discussed papers too. It holds members' "
            "addresses: keep it private.",
        )
        exp.add_argument("slug", metavar="SLUG")
        exp.add_argument("--format", choices=["json"], default="json", help="json (the default)")
        exp.add_argument("--output", metavar="FILE", type=Path, help="write here, not to stdout")
        add = actions.add_parser(
            "add-member",
            help="make an account a member of a group (no invitation needed)",
            description="Make the account with this e-mail address a member of the group, "
            "or, with --owner, an owner (raising a member). The account must exist: the "
            "reader signs up first.",
        )
        add.add_argument("slug", metavar="SLUG")
        add.add_argument("email", metavar="EMAIL")
        add.add_argument("--owner", action="store_true", help="as an owner")
        rm = actions.add_parser(
            "remove-member",
            help="take an account out of a group",
            description="Take the account with this e-mail address out of the group. A last "
            "owner's place goes to the longest-standing member; a group left empty is deleted.",
        )
        rm.add_argument("slug", metavar="SLUG")
        rm.add_argument("email", metavar="EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        action = options["action"]
        if action == "list":
            self.list_groups()
            return
        group = _group(options["slug"])
        if action == "show":
            self.show(group)
        elif action == "export":
            text = json.dumps(export_group(group), indent=2, ensure_ascii=False) + "\n"
            if options["output"] is not None:
                try:
                    options["output"].expanduser().write_text(text, encoding="utf-8")
                except OSError as exc:
                    raise CommandError(
                        f"cannot write {options['output']}: {exc.strerror}"
                    ) from None
                self.stderr.write(f"wrote {group.slug} to {options['output']}")
            else:
                self.stdout.write(text, ending="")
        elif action == "add-member":
            user = _account(options["email"])
            role = Role.OWNER if options["owner"] else Role.MEMBER
            made = add_member(group, user, role)
            self.stdout.write(f"{user.email} is {made.role} of {group.slug}")
        else:
            user = _account(options["email"])
            found = (
                Membership.objects.filter(group=group, user=user).select_related("group").first()
            )
            if found is None:
                raise CommandError(f"{user.email} is not a member of {group.slug}")
            still = leave(found)
            gone = "" if still else f"; {group.slug} had no member left and is deleted"
            self.stdout.write(f"{user.email} is no longer in {group.slug}{gone}")

    def list_groups(self) -> None:
        rows = Group.objects.annotate(
            n_members=Count("memberships", distinct=True),
            n_collections=Count("collections", distinct=True),
        ).order_by("slug")
        open_counts = dict(
            Group.objects.filter(proposals__discussed_at__isnull=True)
            .annotate(n=Count("proposals"))
            .values_list("pk", "n")
        )
        found = False
        for group in rows:
            found = True
            self.stdout.write(
                f"{group.slug}\t{group.name}\t{group.n_members} members\t"
                f"{group.n_collections} collections\t"
                f"{open_counts.get(group.pk, 0)} on the queue"
            )
        if not found:
            self.stderr.write("no groups yet")

    def show(self, group: Group) -> None:
        write = self.stdout.write
        write(f"{group.name} ({group.slug})")
        write("members:")
        for m in group.memberships.select_related("user").order_by("joined_at", "pk"):
            write(f"  {m.user.email}\t{m.role}\tjoined {m.joined_at:%Y-%m-%d}")
        invited = group.invitations.filter(accepted_at__isnull=True).order_by("created_at")
        if invited:
            write("open invitations:")
            for i in invited:
                write(f"  {i.email}\tsent {i.created_at:%Y-%m-%d}")
        write("collections:")
        for c in group.collections.annotate(n=Count("items")).order_by("name"):
            write(f"  {c.slug}\t{c.name}\t{c.n} papers")
        write("reading queue:")
        for q in queue_of(group):
            write(f"  {q.paper.arxiv_id}\t{q.votes} votes\t{q.paper.title}")


def _group(slug: str) -> Group:
    found = Group.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(f"no group {slug!r}: `paperwire group list` shows them")
    return found


def _account(email: str) -> Any:
    from paperwire.library import account_for_address

    user = account_for_address(email)
    if user is None:
        raise CommandError(f"no account with the address {email!r}: the reader signs up first")
    return user
