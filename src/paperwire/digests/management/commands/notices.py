"""paperwire notices send|status"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperwire.command import PaperwireCommand
from paperwire.db import ensure_schema
from paperwire.digests.notices import counts, run_notices
from paperwire.digests.send import SendingStopped


class Command(PaperwireCommand):
    help = "Send the pending notification mail now, or show what is waiting."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{send,status}")
        actions.required = True
        send = actions.add_parser(
            "send",
            help="compose and send the pending notification mail (what the schedule runs)",
            description="Gather each reader's notifications waiting for mail into one message "
            "and send it. Safe to run at any time, also beside the schedule's run: no "
            "notification is mailed twice.",
        )
        send.add_argument(
            "--dry-run", action="store_true", help="compose (and save) the mail, send nothing"
        )
        actions.add_parser("status", help="how many notifications and mails wait, went, failed")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        if options["action"] == "status":
            for name, value in counts().items():
                self.stdout.write(f"{name}: {value:,}")
            return
        try:
            result = run_notices(dry_run=options["dry_run"])
        except SendingStopped as stopped:
            raise CommandError(str(stopped)) from None
        c = result.composed
        self.stdout.write(
            f"composed {c.notices:,} mails of {c.notifications:,} notifications · "
            f"readers mailed recently, waiting {c.waiting:,} · "
            f"dropped (comment hidden or deleted) {c.dropped:,}"
        )
        if result.sent is None:
            self.stdout.write("dry run: nothing sent")
            return
        resumed = result.sent.resumed()
        if resumed:
            self.stdout.write(resumed)
        self.stdout.write(result.sent.line())
