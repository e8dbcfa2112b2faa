"""Notification mail: a reader's new notifications (replies, comments on papers they saved or
wrote) gathered into one message and sent exactly once, by the digests' sender.

Composing. ``compose_pending`` makes one ``Notice`` per reader from their notifications still
waiting for mail (``inbox.Notification.mail_pending``), and clears that flag by a conditional
UPDATE in the same transaction: of two composers at once only one takes a notification, so it
is in one notice at most. A reader who was mailed less than ``GAP`` ago waits until the gap
has passed; their notifications gather meanwhile, so a busy thread gives a mail every
``GAP``, not one per comment. A notification whose comment is no longer visible (hidden,
deleted) is dropped, not mailed.

Sending. ``NoticeSender`` is the digests' ``Sender`` (send.py) on the ``Notice`` queue: the
same claims by conditional UPDATE, the same commit point just before the last byte, the same
rule that a message whose sending was interrupted after that point counts as sent and is never
repeated. A permanent refusal (5xx) turns the reader's notification mail off.

Hostile text. Names, comment text and paper titles are plain text: escaped in the HTML part,
and put in the subject only with every run of whitespace (line breaks included) made one
space, so no title or name can add a header; ``mime.Outbound`` refuses a line break in a header
in any case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import escape

from paperwire.catalogue.mathtext import readable
from paperwire.digests import links
from paperwire.digests.mime import Outbound
from paperwire.digests.models import Notice, Outgoing
from paperwire.digests.render import FONT
from paperwire.digests.send import Sender, SendSummary
from paperwire.digests.transport import Reply, Transport
from paperwire.discussion import excerpt, public_name
from paperwire.inbox import VISIBLE, Kind, Notification, mail_off, unsubscribe_token, wants_mail

# The least time between two notification mails to one reader.
GAP = dt.timedelta(minutes=15)
EXCERPT_CHARS = 300
SUBJECT_TITLE_CHARS = 80
INBOX_PATH = "/inbox"
SETTINGS_PATH = "/inbox/settings"


def unsubscribe_url(account_id: int) -> str:
    """The signed one-click address that turns the reader's notification mail off."""
    return links.absolute(f"/inbox/unsubscribe/{unsubscribe_token(account_id)}")


@dataclass
class ComposeResult:
    notices: int = 0  # mails composed
    notifications: int = 0  # notifications they carry
    waiting: int = 0  # readers mailed less than GAP ago: their notifications wait
    dropped: int = 0  # notifications whose comment is no longer visible


def compose_pending(now: dt.datetime | None = None) -> ComposeResult:
    now = now or timezone.now()
    result = ComposeResult()
    pending = Notification.objects.filter(mail_pending=True)
    # Hidden or deleted since they were made: never mailed.
    result.dropped = pending.filter(~Q(comment__state=VISIBLE)).update(mail_pending=False)
    recent = set(
        Notice.objects.filter(composed_at__gt=now - GAP).values_list("account_id", flat=True)
    )
    readers = pending.values_list("recipient_id", "recipient__email").distinct()
    for account_id, email in sorted(readers):
        if account_id in recent:
            result.waiting += 1
            continue
        taken = _take(account_id, email)
        if taken:
            result.notices += 1
            result.notifications += taken
    return result


def _take(account_id: int, email: str) -> int:
    """One notice of the reader's pending notifications; how many it carries (0: none left,
    or another composer took them first, or the account has no address)."""
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(
                recipient_id=account_id, mail_pending=True, comment__state=VISIBLE
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        # The claim: only rows still pending are taken. A concurrent composer that took some
        # first makes the counts differ, and this reader is left to it.
        taken = Notification.objects.filter(pk__in=ids, mail_pending=True).update(
            mail_pending=False
        )
        if taken != len(ids):
            transaction.set_rollback(True)
            return 0
        if not email:  # an account without an address: nothing can be mailed
            return 0
        Notice.objects.create(account_id=account_id, email=email, items=ids)
    return taken


class NoticeRenderer:
    """Notification mail: one message for a notice's notifications, newest first."""

    def __init__(self) -> None:
        self._rows: dict[int, Notification] = {}
        # comment pk -> (author's name, excerpt): a comment on a busy paper is in many
        # readers' mail, and turning its Markdown into text is most of a message's cost.
        self._said: dict[int, tuple[str, str]] = {}
        self._domain = urlsplit(settings.BASE_URL).hostname or "localhost"

    def load(self, notices: list[Notice]) -> None:
        wanted = [pk for notice in notices for pk in notice.items if pk not in self._rows]
        if not wanted:
            return
        rows = Notification.objects.filter(pk__in=wanted, comment__state=VISIBLE).select_related(
            "comment", "comment__author", "paper"
        )
        self._rows.update((row.pk, row) for row in rows)

    def notifications(self, notice: Notice) -> list[Notification]:
        rows = [self._rows[pk] for pk in notice.items if pk in self._rows]
        return sorted(rows, key=lambda n: (n.created, n.pk), reverse=True)

    def subject(self, rows: list[Notification]) -> str:
        first = rows[0]
        title = _one_line(readable(first.paper.title), SUBJECT_TITLE_CHARS)
        if len(rows) == 1:
            who = _one_line(public_name(first.comment.author), 40)
            if first.kind == Kind.REPLY:
                what = f"{who} replied to your comment on “{title}”"
            else:
                what = f"{who} commented on “{title}”"
        else:
            papers = {row.paper_id for row in rows}
            where = f"“{title}”" if len(papers) == 1 else f"{len(papers)} papers"
            what = f"{len(rows)} new comments on {where}"
        return f"{settings.SITE_NAME}: {what}"

    def outbound(self, notice: Notice) -> Outbound | None:
        rows = self.notifications(notice)
        if not rows:
            return None
        unsubscribe = unsubscribe_url(notice.account_id)
        manage = links.absolute(SETTINGS_PATH)
        html_items: list[str] = []
        text_items: list[str] = []
        for row in rows:
            comment = row.comment
            who, said = self._comment(comment)
            title = readable(row.paper.title)
            why = _why(row.kind)
            url = links.absolute(f"/papers/{row.paper.arxiv_id}#comment-{comment.pk}")
            html_items.append(
                '<tr><td style="padding:12px 0;border-bottom:1px solid #e3e6eb;">\n'
                f'<div style="font-size:13px;color:#5b616e;">{escape(why)}</div>\n'
                f'<div style="font-size:15px;"><strong>{escape(who)}</strong> on '
                f'<a href="{escape(url)}" style="color:#1f5fbf;">{escape(title)}</a></div>\n'
                f'<div style="font-size:14px;color:#343842;margin-top:4px;">{escape(said)}</div>\n'
                "</td></tr>\n"
            )
            text_items.append(f"{why}\n{who} on “{title}”:\n  {said}\n  {url}")
        heading = f"{settings.SITE_NAME}: new comments for you"
        html = (
            '<!doctype html><html><body style="margin:0;padding:16px;background:#ffffff;">\n'
            f'<table role="presentation" width="100%" style="max-width:640px;{FONT}'
            'color:#1b1d22;">\n'
            '<tr><td style="font-size:20px;font-weight:700;padding-bottom:8px;">'
            f"{escape(heading)}</td></tr>\n"
            + "".join(html_items)
            + '<tr><td style="padding-top:16px;font-size:12px;color:#5b616e;">\n'
            f'<a href="{escape(links.absolute(INBOX_PATH))}" style="color:#5b616e;">Your inbox</a>'
            f' · \n<a href="{escape(manage)}" style="color:#5b616e;">Choose what is mailed</a>'
            f' · \n<a href="{escape(unsubscribe)}" style="color:#5b616e;">'
            "Stop notification mail</a>\n</td></tr></table></body></html>\n"
        )
        text = (
            f"{heading}\n\n"
            + "\n\n".join(text_items)
            + f"\n\n--\nYour inbox: {links.absolute(INBOX_PATH)}\n"
            f"Choose what is mailed: {manage}\nStop notification mail: {unsubscribe}\n"
        )
        return Outbound(
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=notice.email,
            subject=self.subject(rows),
            text=text,
            html=html,
            headers={
                # RFC 8058, as the digests: one click in the mail client turns this mail off.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Message-ID": notice.message_id or self.message_id(notice),
                "Auto-Submitted": "auto-generated",
            },
        )

    def _comment(self, comment: Any) -> tuple[str, str]:
        said = self._said.get(comment.pk)
        if said is None:
            said = (public_name(comment.author), excerpt(comment.body, EXCERPT_CHARS))
            if len(self._said) < 100_000:
                self._said[comment.pk] = said
        return said

    def message_id(self, notice: Notice) -> str:
        # Stable per notice, like a digest's: mail stores drop a duplicate by it.
        return f"<notice-{notice.pk}@{self._domain}>"


_WHY = {
    Kind.REPLY.value: "A reply to your comment",
    Kind.AUTHORED.value: "A comment on a paper you authored",
    Kind.SAVED.value: "A comment on a paper you saved",
}


def _why(kind: str) -> str:
    return _WHY.get(kind, "A comment")


def _one_line(text: str, limit: int) -> str:
    """Every run of whitespace (CR and LF included) as one space, cut at ``limit``."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


class NoticeSender(Sender):
    """The digests' sender on the notice queue (see send.py for the exactly-once rules)."""

    def __init__(
        self,
        *,
        rate: float,
        retry_base: float = 1.0,
        transport: Transport | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(rate=rate, retry_base=retry_base, transport=transport, progress=progress)
        self.renderer = NoticeRenderer()

    def send_pending(self) -> SendSummary:
        return self.send_queue(Notice.objects.all(), load=self.renderer.load, prepare=self._notice)

    def _notice(self, notice: Notice) -> Outbound | None:
        # Turned off (or unsubscribed) since it was composed, or nothing in it still visible:
        # it is not sent, and stays in the log as failed.
        message = self.renderer.outbound(notice) if wants_mail(notice.account_id) else None
        if message is None:
            self._own(notice).update(status=Notice.Status.FAILED)
            return None
        if not notice.message_id:
            notice.message_id = self.renderer.message_id(notice)
        return message

    def _bounce(self, digest: Outgoing, reply: Reply) -> None:
        assert isinstance(digest, Notice)
        mail_off(digest.account_id)


@dataclass
class NoticeRun:
    composed: ComposeResult
    sent: SendSummary | None


def run_notices(*, rate: float | None = None, dry_run: bool = False) -> NoticeRun:
    """Compose the pending notification mail, then send every notice that is due."""
    composed = compose_pending()
    if dry_run:
        return NoticeRun(composed, None)
    sender = NoticeSender(rate=settings.MAIL_RATE if rate is None else rate)
    return NoticeRun(composed, sender.send_pending())


def counts() -> dict[str, Any]:
    """What is waiting and what was done: for ``paperwire notices status``."""
    by_status = dict(
        Notice.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "notifications waiting for mail": Notification.objects.filter(mail_pending=True).count(),
        **{f"notices {status}": by_status.get(status, 0) for status in Notice.Status.values},
    }
