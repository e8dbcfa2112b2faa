"""paperwire recommend EMAIL [--date D | --week W | --month M] [--limit N] [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import BadPeriod, Period, named_or_latest
from paperwire.command import PaperwireCommand
from paperwire.community.trending import day_list
from paperwire.db import ensure_schema
from paperwire.foryou import recommend, retrain, status
from paperwire.library import reader_signals

MAX_LIMIT = 1000
POSITIVES_NEEDED = 3


class Command(PaperwireCommand):
    help = (
        "Rank a day's, week's or month's papers for a reader, as /for-you does: the best "
        "first, each with its score and why it is there. Without a period, the newest day "
        "that has papers (the home page's)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", metavar="EMAIL", help="the reader's account address")
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--date", metavar="YYYY-MM-DD", help="a day's papers")
        period.add_argument("--week", metavar="YYYY-Www", help="an ISO week's papers")
        period.add_argument("--month", metavar="YYYY-MM", help="a month's papers")
        parser.add_argument(
            "--limit", type=int, default=20, help=f"how many, 1 to {MAX_LIMIT} (default 20)"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="print a JSON list of objects: id, title, score, why, categories, url",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_schema()
        limit = options["limit"]
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit: give a number from 1 to {MAX_LIMIT}")
        period = _period(options)
        user = _reader(options["email"])
        as_json = options["json"]
        state = _state(status(user))
        if state == "training":
            # The background job has not caught up with the latest signals; an operator's
            # command may train now rather than answer with nothing.
            retrain(user)
            state = _state(status(user))
        if state != "ready" or period is None:
            why = _what_to_do(state, user) if period is not None else "there are no papers yet"
            if as_json:
                self.stderr.write(f"{user.email}: {why}")
                self.stdout.write("[]")
            else:
                self.stdout.write(f"{user.email}: {why}")
            return
        ranked = recommend(user, day_list(period), limit)
        papers = Paper.objects.in_bulk([r.paper_id for r in ranked])
        rows: list[dict[str, Any]] = [
            {
                "id": papers[r.paper_id].arxiv_id,
                "title": papers[r.paper_id].title,
                "score": round(float(r.score), 6),
                "why": [str(w) for w in r.why],
                "categories": list(papers[r.paper_id].categories or []),
                "url": papers[r.paper_id].abs_url,
            }
            for r in ranked
            if r.paper_id in papers
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"For you, {user.email}: {period.label}")
        for n, row in enumerate(rows, 1):
            self.stdout.write(f"{n:3}. {row['score']:7.3f}  {row['id']}  {_one_line(row['title'])}")
            for reason in row["why"]:
                self.stdout.write(f"{'':15}{_one_line(reason)}")
        if not rows:
            self.stdout.write("nothing to rank in this period")


def _period(options: dict[str, Any]) -> Period | None:
    try:
        return named_or_latest(
            {
                "date": options.get("date"),
                "week": options.get("week"),
                "month": options.get("month"),
            }
        )
    except BadPeriod as exc:
        raise CommandError(f"--{exc}") from None


def _reader(email: str) -> Any:
    address = email.strip()
    user = get_user_model().objects.filter(email__iexact=address).order_by("pk").first()
    if user is None:
        raise CommandError(f"no account has the address {address[:100]!r}")
    return user


def _state(state: Any) -> str:
    return str(getattr(state, "value", state)).lower()


def _what_to_do(state: str, user: Any) -> str:
    positives = len(reader_signals(user).positives)
    if positives == 0 and not reader_signals(user).negatives:
        return (
            "nothing to learn from yet: save papers, upvote them or mark them more like this "
            f"(on the site or through the API); {POSITIVES_NEEDED} are enough for a ranking"
        )
    missing = max(POSITIVES_NEEDED - positives, 1)
    return f"{missing} more to go: save, upvote or mark more like this {missing} more papers"


def _one_line(text: str) -> str:
    # Titles and reasons are untrusted text: no line breaks or terminal control characters.
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
