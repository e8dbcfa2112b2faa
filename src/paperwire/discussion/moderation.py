"""What moderators do (the admin's actions and `paperwire comments`): the queue of held and
reported comments, approve, hide, unhide, block an author.

Blocking an account is what community/admin.py does: ``is_active=False``. A blocked account
cannot sign in, and ``core`` refuses its posts, edits, votes and reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from paperwire.community import announce_activity
from paperwire.discussion.core import publish
from paperwire.discussion.models import Comment, Report, State


def _resolve_reports(ids: list[int]) -> None:
    Report.objects.filter(comment_id__in=ids, resolved=False).update(
        resolved=True, resolved_at=timezone.now()
    )


def held() -> QuerySet[Comment]:
    """The comments waiting for a moderator, oldest first."""
    return (
        Comment.objects.filter(state=State.HELD)
        .select_related("paper", "author")
        .order_by("created_at", "pk")
    )


def reported() -> QuerySet[Comment]:
    """Comments with a report no moderator has resolved yet."""
    open_reports = Report.objects.filter(comment=OuterRef("pk"), resolved=False)
    return Comment.objects.filter(Exists(open_reports))


def approve(comment_ids: Iterable[int]) -> int:
    """Held comments become visible (and are announced once); their reports are resolved.
    Only held comments are approved: a hidden one is unhidden with ``unhide``."""
    ids = list(
        Comment.objects.filter(pk__in=list(comment_ids), state=State.HELD).values_list(
            "pk", flat=True
        )
    )
    with transaction.atomic():
        changed = publish(ids)
        _resolve_reports(ids)
    return changed


def hide(comment_ids: Iterable[int]) -> int:
    """Held or visible comments are hidden from everyone (their replies stay, under a
    placeholder); their reports are resolved."""
    ids = list(comment_ids)
    with transaction.atomic():
        changed = Comment.objects.filter(pk__in=ids, state__in=[State.VISIBLE, State.HELD]).update(
            state=State.HIDDEN
        )
        _resolve_reports(ids)
        if changed:
            announce_activity()
    return changed


def unhide(comment_ids: Iterable[int]) -> int:
    """Hidden comments become visible again (one never shown before is announced once)."""
    ids = list(
        Comment.objects.filter(pk__in=list(comment_ids), state=State.HIDDEN).values_list(
            "pk", flat=True
        )
    )
    return publish(ids)


def block(users: Iterable[Any], *, hide_comments: bool = True, keep: Any = None) -> tuple[int, int]:
    """Block these accounts (``is_active=False``; ``keep``, the moderator, never) and, unless
    told not to, hide everything they wrote that is visible or held. Returns (accounts
    blocked, comments hidden)."""
    ids = [u.pk for u in users if keep is None or u.pk != keep.pk]
    with transaction.atomic():
        blocked = User.objects.filter(pk__in=ids, is_active=True).update(is_active=False)
        hidden = 0
        if hide_comments:
            comment_ids = list(
                Comment.objects.filter(
                    author_id__in=ids, state__in=[State.VISIBLE, State.HELD]
                ).values_list("pk", flat=True)
            )
            hidden = hide(comment_ids)
    return blocked, hidden
