"""paperwire people show NAME [--org] | reindex | follows EMAIL"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.community import follows_of, name_papers, profile, sync_names
from paperwire.community.models import Kind
from paperwire.db import ensure_schema


class Command(PaperwireCommand):
    help = "Authors and organisations: a name's papers, the names' index, a reader's follows."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{show,reindex,follows}")
        actions.required = True
        show = actions.add_parser(
            "show",
            help="an author's (or with --org an organisation's) papers, categories, co-authors",
            description="Names match whole and normalised (case and accents folded): "
            "'Yang Li' is never 'Yang Liu'.",
        )
        show.add_argument("name", metavar="NAME")
        show.add_argument("--org", action="store_true", help="NAME is an organisation")
        show.add_argument("--limit", type=int, default=20, help="papers to list (default 20)")
        actions.add_parser(
            "reindex",
            help="rebuild the index of authors' and organisations' papers from the catalogue",
            description="Imports keep the index in step; run this after changing papers by "
            "other means (a restored backup, SQL).",
        )
        follows = actions.add_parser("follows", help="the names an account follows")
        follows.add_argument("email", metavar="EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        if options["action"] == "reindex":
            count = sync_names(full=True)
            self.stdout.write(f"indexed the names of {count:,} papers")
        elif options["action"] == "follows":
            # (library.account_for_address is downstream of the community: the same lookup.)
            user = (
                User.objects.filter(email__iexact=options["email"].strip()).order_by("pk").first()
            )
            if user is None:
                raise CommandError(f"no account has the address {options['email'][:100]!r}")
            for f in follows_of(user):
                self.stdout.write(f"{f.kind}\t{f.name}")
        else:
            self.show(
                options["name"], Kind.ORG if options["org"] else Kind.AUTHOR, options["limit"]
            )

    def show(self, name: str, kind: str, limit: int) -> None:
        if limit < 1:
            raise CommandError("--limit: give a number of papers, 1 or more")
        about = profile(kind, name)
        if not about.count:
            raise CommandError(f"no papers under the name {name[:100]!r} in the catalogue")
        self.stdout.write(f"{about.name}: {about.count:,} paper{'s' if about.count != 1 else ''}")
        if about.categories:
            self.stdout.write("categories: " + ", ".join(f"{c} ({n})" for c, n in about.categories))
        if about.coauthors:
            label = "authors" if kind == Kind.ORG else "co-authors"
            self.stdout.write(f"{label}: " + ", ".join(f"{c} ({n})" for c, n in about.coauthors))
        for paper in name_papers(kind, name, 0, limit):
            day = paper.announced_on.isoformat() if paper.announced_on else "-"
            self.stdout.write(f"{day}\t{paper.arxiv_id}\t{paper.title}")
