"""paperwire digest send|preview"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from paperwire.catalogue.periods import containing, last_complete
from paperwire.command import PaperwireCommand, date_option
from paperwire.db import ensure_schema
from paperwire.digests.compose import ComposeSummary, compose_one
from paperwire.digests.models import Digest, Frequency, Subscriber
from paperwire.digests.render import Renderer
from paperwire.digests.run import run_period
from paperwire.digests.send import SendingStopped


class Command(PaperwireCommand):
    help = "Compose and send the e-mail digests of a period, or preview one subscriber's."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{send,preview}")
        actions.required = True
        send = actions.add_parser(
            "send",
            help="compose and send a period's digests in the foreground (what the schedule runs)",
            description="Compose every confirmed subscriber's digest for the period and send "
            "them. Safe to run again, or after a crash: no subscriber gets a period twice.",
        )
        send.add_argument("--period", choices=Frequency.values, required=True)
        send.add_argument(
            "--date",
            help="a day in the period to send (default: yesterday, or last week)",
        )  # fmt: skip
        send.add_argument(
            "--dry-run", action="store_true",
            help="compose (and save) the digests, send nothing",
        )  # fmt: skip
        send.add_argument("--no-progress", action="store_true", help="no progress bars")
        preview = actions.add_parser(
            "preview",
            help="write a subscriber's digest as HTML to a file, without sending or saving",
        )
        preview.add_argument("email")
        preview.add_argument("--period", choices=Frequency.values, help="default: theirs")
        preview.add_argument("--date", help="a day in the period, YYYY-MM-DD")
        preview.add_argument("--output", "-o", help="file to write (default: digest-preview.html)")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        # Parsed here, not as an argparse type: a CommandError raised while argparse parses
        # escapes as a traceback instead of a one-line error.
        options["date"] = date_option(options["date"]) if options["date"] else None
        if options["action"] == "send":
            self.send(options)
        else:
            self.preview(options)

    def send(self, options: dict[str, Any]) -> None:
        frequency = options["period"]
        day = options["date"] or last_complete(frequency, timezone.localdate()).first
        try:
            result = run_period(
                frequency, day, dry_run=options["dry_run"], progress=not options["no_progress"]
            )
        except SendingStopped as stopped:
            if stopped.composed is not None:
                self.composed(frequency, containing(frequency, day).label, stopped.composed)
            done = stopped.summary
            if done.sent or done.uncertain or done.permanent or done.temporary:
                self.stdout.write(done.line())  # what went before the server became unusable
            # One line naming the setting to check; the digest in hand is still pending.
            raise CommandError(str(stopped)) from None
        self.composed(frequency, result.period.label, result.composed)
        if result.sent is None:
            self.stdout.write("dry run: nothing sent")
            return
        resumed = result.sent.resumed()
        if resumed:
            self.stdout.write(resumed)
        self.stdout.write(result.sent.line())
        if result.sent.deferred:
            self.stdout.write("digests left for later are retried by the next run")

    def composed(self, frequency: str, label: str, c: ComposeSummary) -> None:
        self.stdout.write(
            f"{frequency} digest for {label}: {c.papers:,} new papers, "
            f"{c.topics:,} distinct topics; composed {c.composed:,} · empty {c.empty:,} "
            f"(not sent) · already composed {c.already:,}"
        )
        for note in c.notes:
            self.stdout.write(f"note: {note}")

    def preview(self, options: dict[str, Any]) -> None:
        email = options["email"].strip().lower()
        subscriber = Subscriber.objects.filter(email=email).first()
        if subscriber is None:
            raise CommandError(f"no subscriber {email}")
        frequency = options["period"] or subscriber.frequency
        day = options["date"] or last_complete(frequency, timezone.localdate()).first
        period = containing(frequency, day)
        items = compose_one(subscriber, period)
        digest = Digest(
            pk=0, subscriber=subscriber, frequency=frequency, period_start=period.first,
            period_end=period.last, items=items,
        )  # fmt: skip
        message = Renderer(period).message(digest, subscriber.email)
        html = next(content for content, kind in message.alternatives if kind == "text/html")
        path = Path(options["output"] or "digest-preview.html")
        path.write_text(str(html), encoding="utf-8")
        self.stdout.write(f"{len(items)} papers for {email}, {period.label}: {path}")
        if not items:
            self.stdout.write("note: this digest is empty, so it would not be sent")
