"""Who is notified of a comment, what each reader has switched off, and the inbox's reads.

A published comment notifies: the author of the comment it replies to (``reply``), the
accounts with an approved authorship claim on its paper (``authored``) and the readers who
saved its paper (``saved``). Never the comment's own author; one notification per reader and
comment, of the strongest kind that applies (``models.STRENGTH``). What a reader sees is
always their own rows (``recipient=account``), and only while the comment is visible: a
comment hidden or deleted later takes its notifications out of the inbox (and out of any
mail not yet composed) without anything being deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from paperwire.discussion import State, claimed_authors
from paperwire.inbox.models import STRENGTH, Kind, Notification, Preference

if TYPE_CHECKING:
    from django.contrib.auth.models import User

VISIBLE = State.VISIBLE.value  # a comment everyone sees; nothing else notifies or is listed
UNSUBSCRIBE_SALT = "paperwire.inbox.unsubscribe"


class InboxError(ValueError):
    """A request the inbox refuses; ``str()`` is one line naming what to fix."""


# --- who is notified ---------------------------------------------------------------------------


def authors_of(paper_id: int) -> set[int]:
    """Accounts with an approved authorship claim on the paper (the discussion's badge rule,
    which reads the community's claims)."""
    return set(claimed_authors([paper_id]).get(paper_id, ()))


def savers_of(paper_id: int) -> set[int]:
    """Readers with the paper in any of their collections."""
    from paperwire.library import Entry

    return set(
        Entry.objects.filter(paper_id=paper_id).values_list("collection__owner_id", flat=True)
    )


def recipients(comment: Any) -> dict[int, str]:
    """account id -> kind, for every account this comment concerns (its author left out)."""
    found: dict[int, str] = {}

    def add(accounts: Iterable[int | None], kind: str) -> None:
        for account in accounts:
            if account is None:
                continue
            if account not in found or STRENGTH[kind] < STRENGTH[found[account]]:
                found[account] = kind

    parent = getattr(comment, "parent", None)
    if parent is not None:
        add([parent.author_id], Kind.REPLY)
    add(authors_of(comment.paper_id), Kind.AUTHORED)
    add(savers_of(comment.paper_id), Kind.SAVED)
    found.pop(comment.author_id, None)
    return found


def notify(comment: Any) -> list[Notification]:
    """The notifications for a published comment, created once (the unique constraint makes
    a second call add nothing); a held, hidden or deleted comment notifies nobody."""
    if getattr(comment, "state", VISIBLE) != VISIBLE:
        return []
    wanted = recipients(comment)
    if not wanted:
        return []
    switches = switches_for(wanted)
    rows = []
    for account, kind in wanted.items():
        inbox, mail = switches.get((account, kind), (True, True))
        if not (inbox or mail):
            continue
        rows.append(
            Notification(
                recipient_id=account, kind=kind, comment_id=comment.pk,
                paper_id=comment.paper_id, in_inbox=inbox, mail_pending=mail,
            )
        )  # fmt: skip
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def switches_for(accounts: Iterable[int]) -> dict[tuple[int, str], tuple[bool, bool]]:
    """(account, kind) -> (inbox, mail) for the accounts' stored switches, in one query."""
    return {
        (account, kind): (inbox, mail)
        for account, kind, inbox, mail in Preference.objects.filter(
            account_id__in=list(accounts)
        ).values_list("account_id", "kind", "inbox", "mail")
    }


# --- a reader's switches -----------------------------------------------------------------------


def preferences(account: User) -> dict[str, dict[str, bool]]:
    """Every kind with its two switches, ``{"reply": {"inbox": True, "mail": True}, ...}``."""
    stored = switches_for([account.pk])
    result = {}
    for kind in Kind:
        inbox, mail = stored.get((account.pk, kind.value), (True, True))
        result[kind.value] = {"inbox": inbox, "mail": mail}
    return result


def set_preference(account: User, kind: str, *, inbox: bool, mail: bool) -> None:
    if kind not in Kind.values:
        raise InboxError(f"unknown kind {kind[:40]!r}: use one of {', '.join(Kind.values)}")
    Preference.objects.update_or_create(
        account=account, kind=kind, defaults={"inbox": inbox, "mail": mail}
    )
    if not mail:  # what is waiting for the next mail is not sent either
        Notification.objects.filter(recipient=account, kind=kind, mail_pending=True).update(
            mail_pending=False
        )


def mail_off(account_id: int) -> None:
    """No more notification mail for this account (every kind; the inbox stays as it is)."""
    with transaction.atomic():
        stored = switches_for([account_id])
        for kind in Kind.values:
            inbox, _ = stored.get((account_id, kind), (True, True))
            Preference.objects.update_or_create(
                account_id=account_id, kind=kind, defaults={"inbox": inbox, "mail": False}
            )
        Notification.objects.filter(recipient_id=account_id, mail_pending=True).update(
            mail_pending=False
        )


def wants_mail(account_id: int) -> bool:
    """Whether any kind's mail is on for the account."""
    stored = switches_for([account_id])
    return any(stored.get((account_id, kind), (True, True))[1] for kind in Kind.values)


# --- the unsubscribe link in notification mail ------------------------------------------------


def unsubscribe_token(account_id: int) -> str:
    """A signed token naming the account, for the notification mail's unsubscribe link (no
    expiry: RFC 8058 asks that the link keep working as long as the mail may be read)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(account_id))


def account_for_token(token: str) -> int:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token[:200])
    except signing.BadSignature:
        raise InboxError("this link is not valid") from None
    if not value.isdigit() or not get_user_model().objects.filter(pk=int(value)).exists():
        raise InboxError("this link is not valid (the account no longer exists)")
    return int(value)


def unsubscribe(token: str) -> int:
    """Turn off notification mail for the account the token names; its id."""
    account = account_for_token(token)
    mail_off(account)
    return account


# --- the inbox ---------------------------------------------------------------------------------


def inbox_for(account: User) -> QuerySet[Notification]:
    """The account's own notifications whose comments are visible, newest first."""
    return (
        Notification.objects.filter(recipient=account, in_inbox=True, comment__state=VISIBLE)
        .select_related("comment", "comment__author", "paper")
        .order_by("-created", "-pk")
    )


def unread_count(account: User) -> int:
    """One query (an index on recipient, in_inbox, read_at): it runs on every signed-in page."""
    return Notification.objects.filter(
        recipient=account, in_inbox=True, read_at__isnull=True, comment__state=VISIBLE
    ).count()


def mark_read(account: User, ids: Iterable[int] | None = None) -> int:
    """Mark the account's notifications read (all when ``ids`` is None); how many changed.
    Ids of other readers' notifications are simply not found."""
    rows = Notification.objects.filter(recipient=account, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
