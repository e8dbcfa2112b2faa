"""paperwire claims list [--all] | approve ID... | approve --all | reject ID..."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.community import approve, reject
from paperwire.community.models import Claim, ClaimStatus
from paperwire.db import ensure_schema


class Command(PaperwireCommand):
    help = "List, approve or reject authorship claims (the admin's queue, in bulk)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{list,approve,reject}")
        actions.required = True
        listing = actions.add_parser(
            "list",
            help="the claims waiting for a moderator, oldest first (tab-separated)",
            description="Print one claim a line: id, account, what is claimed, status, date. "
            "Only the pending ones unless --all.",
        )
        listing.add_argument("--all", action="store_true", help="every claim, decided or not")
        approve_ = actions.add_parser(
            "approve",
            help="approve claims by id, or every pending one with --all",
            description="Approve claims: the badge shows at once, and the authors' own votes "
            "on their papers stop counting in trending.",
        )
        approve_.add_argument("ids", nargs="*", metavar="ID", type=_claim_id)
        approve_.add_argument("--all", action="store_true", help="every pending claim")
        reject_ = actions.add_parser(
            "reject", help="reject claims by id (an approved one is revoked)"
        )
        reject_.add_argument("ids", nargs="+", metavar="ID", type=_claim_id)

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        action = options["action"]
        if action == "list":
            self.list(every=options["all"])
            return
        ids: list[int] = options["ids"]
        if action == "approve":
            if options["all"] and ids:
                raise CommandError("give claim ids or --all, not both")
            if options["all"]:
                ids = list(
                    Claim.objects.filter(status=ClaimStatus.PENDING).values_list("pk", flat=True)
                )
            elif not ids:
                raise CommandError("give the ids of the claims to approve (see `claims list`)")
        unknown = sorted(
            set(ids) - set(Claim.objects.filter(pk__in=ids).values_list("pk", flat=True))
        )
        if unknown:
            raise CommandError("no claim has the id " + ", ".join(map(str, unknown)))
        if action == "approve":
            count = approve(ids, how="moderator")
            self.stdout.write(f"approved {count} claim{'s' if count != 1 else ''}")
        else:
            count = reject(ids)
            self.stdout.write(f"rejected {count} claim{'s' if count != 1 else ''}")

    def list(self, every: bool) -> None:
        claims = Claim.objects.select_related("user", "paper").order_by("created_at", "pk")
        if not every:
            claims = claims.filter(status=ClaimStatus.PENDING)
        count = 0
        for claim in claims.iterator(chunk_size=1000):
            count += 1
            self.stdout.write(
                f"{claim.pk}\t{claim.user.email}\t{claim.target}\t{claim.status}\t"
                f"{claim.created_at:%Y-%m-%d}"
            )
        self.stderr.write(f"{count} claim{'s' if count != 1 else ''}")


def _claim_id(text: str) -> int:
    if not text.isdigit():
        raise CommandError(f"not a claim id: {text[:40]!r} (ids are numbers, see `claims list`)")
    return int(text)
