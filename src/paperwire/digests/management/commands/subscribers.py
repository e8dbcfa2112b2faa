"""paperwire subscribers import FILE | list"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import Count

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.digests.importing import import_subscribers
from paperwire.digests.models import Subscriber
from paperwire.digests.subscriptions import SubscriptionError


class Command(PaperwireCommand):
    help = "Import or list digest subscribers."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{import,list}")
        actions.required = True
        imp = actions.add_parser(
            "import",
            help="import a CSV (header: email,frequency,topics; topics ;-separated) as confirmed",
            description="Import subscribers from another tool, as already confirmed. The CSV "
            "has the header email,frequency,topics; frequency is daily or weekly; topics are "
            "separated by ';', each a search query or a cat: / author: filter. Safe to run "
            "again; a bad line is reported with its number and skipped.",
        )
        imp.add_argument("path", metavar="FILE")
        listing = actions.add_parser("list", help="list subscribers and their topics")
        listing.add_argument("--json", action="store_true", help="JSON Lines, one per subscriber")
        listing.add_argument(
            "--all", action="store_true", help="also unconfirmed, unsubscribed and bounced"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        if options["action"] == "import":
            self.import_file(Path(options["path"]))
        else:
            self.list(options)

    def import_file(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            summary = import_subscribers(path)
        except SubscriptionError as exc:
            raise CommandError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: {exc.reason}") from None
        for line in summary.rejected:
            self.stderr.write(line)
        self.stdout.write(summary.line())
        if summary.rejected:
            raise SystemExit(1)

    def list(self, options: dict[str, Any]) -> None:
        people = Subscriber.objects.all() if options["all"] else Subscriber.objects.mailable()
        people = people.annotate(n_topics=Count("topics")).order_by("email")
        topics: dict[int, list[str]] = {}
        for subscriber in people.prefetch_related("topics").iterator(chunk_size=2000):
            topics[subscriber.pk] = sorted(t.query for t in subscriber.topics.all())
            if options["json"]:
                record = {
                    "email": subscriber.email, "frequency": subscriber.frequency,
                    "status": subscriber.status, "trending": subscriber.include_trending,
                    "topics": topics[subscriber.pk],
                }  # fmt: skip
                self.stdout.write(json.dumps(record, ensure_ascii=False))
            else:
                shown = "; ".join(topics[subscriber.pk]) or "(trending only)"
                self.stdout.write(
                    f"{subscriber.email}\t{subscriber.frequency}\t{subscriber.status}\t{shown}"
                )
        if not options["json"]:
            self.stderr.write(f"{len(topics):,} subscribers")
