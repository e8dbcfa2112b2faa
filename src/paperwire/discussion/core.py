"""What readers do in a discussion: post, reply, edit, delete, upvote, report; and what a
thread shows to whom.

Who sees what (the one home of the rule):

- a visible comment: everyone;
- a held comment: its author only, marked as waiting for a moderator;
- a hidden or deleted comment: nobody; when replies that are shown hang under it, it keeps
  its place as a placeholder ("[deleted]", "[hidden by a moderator]") without its text.

Anonymous visitors see exactly what every other anonymous visitor sees, so their pages may be
cached (web/caching.py); nothing here ever depends on who is looking for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.community import announce_activity
from paperwire.discussion.models import (
    MAX_BODY_CHARS,
    MAX_DEPTH,
    Comment,
    CommentVote,
    Reason,
    Report,
    Revision,
    State,
)
from paperwire.discussion.signals import comment_published

Viewer = User | AnonymousUser | Any


class DiscussionError(ValueError):
    """An action that cannot be done; the message is one line for the reader. ``status`` is
    the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def public_name(user: Any) -> str:
    """How a comment names its author. The e-mail address is private: only its local part is
    shown (accounts have no other name); an account that is gone is "[deleted account]"."""
    if user is None:
        return "[deleted account]"
    name = str(getattr(user, "username", "") or "")
    if not name or "@" in name:
        name = str(getattr(user, "email", "") or name).split("@", 1)[0]
    return name or f"reader {user.pk}"


def is_held(user: Any, now: dt.datetime | None = None) -> bool:
    """Whether a new comment of this account waits for a moderator: its account is younger
    than ``settings.COMMENT_HOLD_HOURS`` (0 turns the hold off). Staff are never held."""
    hours = int(settings.COMMENT_HOLD_HOURS)
    if hours <= 0 or getattr(user, "is_staff", False):
        return False
    joined = getattr(user, "date_joined", None)
    if joined is None:
        return True
    return bool(joined > (now or timezone.now()) - dt.timedelta(hours=hours))


def _require_active(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise DiscussionError("sign in to take part in the discussion", 401)
    if not user.is_active:
        raise DiscussionError("this account is blocked", 403)


def clean_body(body: object) -> str:
    text = str(body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise DiscussionError("the comment is empty: write something")
    if len(text) > MAX_BODY_CHARS:
        raise DiscussionError(
            f"the comment is too long: {len(text):,} characters, at most {MAX_BODY_CHARS:,}"
        )
    return text


def publish(comment_ids: Iterable[int]) -> int:
    """Make held (or hidden) comments visible; each one made visible for the first time is
    announced (``comment_published``) once, after the commit. Returns how many changed."""
    ids = list(comment_ids)
    now = timezone.now()
    with transaction.atomic():
        first = list(
            Comment.objects.filter(pk__in=ids, published_at__isnull=True)
            .exclude(state=State.DELETED)
            .values_list("pk", flat=True)
        )
        # The conditional UPDATE is the claim: of two moderators approving at once, only
        # one sets published_at, and only that one announces.
        claimed = Comment.objects.filter(pk__in=first, published_at__isnull=True).update(
            state=State.VISIBLE, published_at=now
        )
        changed = Comment.objects.filter(pk__in=ids, state__in=[State.HELD, State.HIDDEN]).update(
            state=State.VISIBLE
        )
        if claimed:
            announced = list(Comment.objects.filter(pk__in=first, published_at=now))
            transaction.on_commit(lambda: _announce(announced))
        if claimed or changed:
            announce_activity()
    return claimed + changed


def _announce(comments: list[Comment]) -> None:
    for comment in comments:
        comment_published.send(sender=Comment, comment=comment)


def find(comment_id: int) -> Comment:
    comment = Comment.objects.select_related("paper", "author").filter(pk=comment_id).first()
    if comment is None:
        raise DiscussionError(f"there is no comment {comment_id}", 404)
    return comment


def post(author: Any, paper: Paper, body: object, parent: Comment | int | None = None) -> Comment:
    """A new comment on ``paper`` (a reply when ``parent`` is given): visible at once, or held
    when its author's account is new (``is_held``)."""
    _require_active(author)
    text = clean_body(body)
    depth = 1
    parent_comment: Comment | None = None
    if parent is not None:
        parent_comment = parent if isinstance(parent, Comment) else find(parent)
        if parent_comment.paper_id != paper.pk:
            # Not found where it was looked for: under this paper.
            raise DiscussionError(
                f"comment {parent_comment.pk} is not about {paper.arxiv_id}: reply under its paper",
                404,
            )
        if parent_comment.state != State.VISIBLE:
            raise DiscussionError(f"comment {parent_comment.pk} cannot be replied to", 409)
        depth = min(parent_comment.depth + 1, MAX_DEPTH)
    held = is_held(author)
    with transaction.atomic():
        comment = Comment.objects.create(
            paper=paper,
            author=author,
            parent=parent_comment,
            depth=depth,
            body=text,
            state=State.HELD if held else State.VISIBLE,
        )
        if not held:
            publish([comment.pk])
    comment.refresh_from_db()
    return comment


def _own(user: Any, comment: Comment, doing: str) -> None:
    _require_active(user)
    if comment.author_id != user.pk:
        raise DiscussionError(f"only its author can {doing} comment {comment.pk}", 403)
    if comment.state in (State.DELETED, State.HIDDEN):
        raise DiscussionError(f"comment {comment.pk} is {comment.state}", 409)


def edit(user: Any, comment: Comment, body: object) -> Comment:
    """The author's new text; the old one goes into the comment's history."""
    _own(user, comment, "edit")
    text = clean_body(body)
    if text == comment.body:
        return comment
    now = timezone.now()
    with transaction.atomic():
        Revision.objects.create(
            comment=comment, body=comment.body, written_at=comment.edited_at or comment.created_at
        )
        comment.body = text
        comment.edited_at = now
        comment.save(update_fields=["body", "edited_at"])
        announce_activity()
    return comment


def delete(user: Any, comment: Comment) -> Comment:
    """The author (or staff) deletes: the text and its history go; the row stays, so replies
    keep their place under a "[deleted]" placeholder."""
    _require_active(user)
    if comment.author_id != user.pk and not user.is_staff:
        raise DiscussionError(f"only its author can delete comment {comment.pk}", 403)
    if comment.state == State.DELETED:
        return comment
    with transaction.atomic():
        comment.revisions.all().delete()
        comment.body = ""
        comment.state = State.DELETED
        comment.save(update_fields=["body", "state"])
        Report.objects.filter(comment=comment, resolved=False).update(
            resolved=True, resolved_at=timezone.now()
        )
        announce_activity()
    return comment


@dataclass(frozen=True)
class VoteState:
    comment_id: int
    voted: bool
    votes: int


def vote(user: Any, comment: Comment, voted: bool | None = None) -> VoteState:
    """Upvote (``voted`` True), take it back (False), or toggle (None). The counter moves in
    the same transaction as the vote row."""
    _require_active(user)
    if comment.state != State.VISIBLE:
        raise DiscussionError(f"comment {comment.pk} cannot be voted on", 409)
    if comment.author_id == user.pk:
        raise DiscussionError("you cannot upvote your own comment", 403)
    with transaction.atomic():
        has = CommentVote.objects.filter(user=user, comment=comment).exists()
        want = (not has) if voted is None else voted
        if want and not has:
            try:
                with transaction.atomic():
                    CommentVote.objects.create(user=user, comment=comment)
            except IntegrityError:  # the same vote from another request just now
                pass
            else:
                Comment.objects.filter(pk=comment.pk).update(votes=F("votes") + 1)
        elif has and not want:
            gone, _ = CommentVote.objects.filter(user=user, comment=comment).delete()
            if gone:
                Comment.objects.filter(pk=comment.pk, votes__gt=0).update(votes=F("votes") - 1)
        announce_activity()
    count = Comment.objects.filter(pk=comment.pk).values_list("votes", flat=True).first() or 0
    return VoteState(comment.pk, want, count)


def report(user: Any, comment: Comment, reason: object = Reason.OTHER, note: object = "") -> Report:
    """A reader reports a comment to the moderators; reporting it again updates the reason."""
    _require_active(user)
    if comment.state != State.VISIBLE:
        raise DiscussionError(f"comment {comment.pk} cannot be reported", 409)
    if comment.author_id == user.pk:
        raise DiscussionError("you cannot report your own comment", 403)
    if str(reason) not in Reason.values:
        raise DiscussionError(f"the reason must be one of: {', '.join(Reason.values)}")
    text = " ".join(str(note or "").split())
    text = "".join(ch for ch in text if ch.isprintable())[:500]
    found, _ = Report.objects.update_or_create(
        comment=comment,
        reporter=user,
        defaults={"reason": str(reason), "note": text, "resolved": False, "resolved_at": None},
    )
    return found


# --- reading -------------------------------------------------------------------------------


@dataclass
class Item:
    """One comment as a thread shows it to one viewer."""

    comment: Comment
    depth: int
    name: str
    placeholder: str = ""  # "[deleted]" or "[hidden by a moderator]": no text, no actions
    held: bool = False  # the viewer's own, waiting for a moderator
    mine: bool = False
    voted: bool = False
    claimed_author: bool = False
    replying_to: str = ""  # set when the reply is shown at the same depth as its parent


@dataclass
class Thread:
    paper: Paper
    items: list[Item] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Visible comments: what everyone sees (placeholders and the viewer's own held
        comments do not count)."""
        return sum(1 for item in self.items if not item.placeholder and not item.held)


def _viewer_id(viewer: Viewer) -> int | None:
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        return int(getattr(viewer, "pk", 0))
    return None


def claimed_authors(paper_ids: Iterable[int]) -> dict[int, set[int]]:
    """paper pk -> the accounts with an approved authorship claim on it: the community's
    ``verified_authors`` (its public face) when claims are installed, else none."""
    import paperwire.community as community

    try:
        verified_authors = community.verified_authors
    except AttributeError:  # claims not built: no badges, nothing else changes
        return {}
    result: dict[int, set[int]] = verified_authors(list(paper_ids))
    return result


def thread(paper: Paper, viewer: Viewer = None, *, badges: bool = True) -> Thread:
    """A paper's discussion as ``viewer`` may see it, in reading order (each comment followed
    by its replies, oldest first). One query for the comments and their authors, one for the
    viewer's votes, and the claims' queries for the badges: never a query per comment."""
    me = _viewer_id(viewer)
    rows = list(
        Comment.objects.filter(paper=paper).select_related("author").order_by("created_at", "pk")
    )
    children: dict[int | None, list[Comment]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def shown(row: Comment) -> bool:
        return row.state == State.VISIBLE or (row.state == State.HELD and row.author_id == me)

    keep: dict[int, bool] = {}

    def walk(row: Comment) -> bool:
        # A comment is listed when it is shown, or when something under it is (as a
        # placeholder); a held comment's replies do not exist (replies need a visible parent).
        below = [walk(child) for child in children.get(row.pk, [])]
        keep[row.pk] = shown(row) or (row.state in (State.DELETED, State.HIDDEN) and any(below))
        return keep[row.pk]

    for root in children.get(None, []):
        walk(root)
    voted: set[int] = set()
    if me is not None and rows:
        voted = set(
            CommentVote.objects.filter(
                user_id=me, comment__paper=paper, comment__state=State.VISIBLE
            ).values_list("comment_id", flat=True)
        )
    claimed = claimed_authors([paper.pk]).get(paper.pk, set()) if badges and rows else set()
    names = {row.pk: public_name(row.author) for row in rows}
    result = Thread(paper)

    def emit(row: Comment, parent: Comment | None) -> None:
        if not keep.get(row.pk):
            return
        placeholder = ""
        if row.state == State.DELETED:
            placeholder = "[deleted]"
        elif row.state == State.HIDDEN:
            placeholder = "[hidden by a moderator]"
        result.items.append(
            Item(
                comment=row,
                depth=row.depth,
                name="" if placeholder else names[row.pk],
                placeholder=placeholder,
                held=row.state == State.HELD,
                mine=me is not None and row.author_id == me,
                voted=row.pk in voted,
                claimed_author=not placeholder and row.author_id in claimed,
                replying_to=(
                    names.get(parent.pk, "")
                    if parent is not None and parent.depth >= row.depth and not placeholder
                    else ""
                ),
            )
        )
        for child in children.get(row.pk, []):
            emit(child, row)

    for root in children.get(None, []):
        emit(root, None)
    return result


def visible(paper: Paper) -> list[Comment]:
    """A paper's visible comments, newest first (the feed)."""
    return list(
        Comment.objects.filter(paper=paper, state=State.VISIBLE)
        .select_related("author", "paper")
        .order_by("-created_at", "-pk")
    )


def counts(paper_ids: Iterable[int]) -> dict[int, int]:
    """paper pk -> its number of visible comments (absent: none). One query for any number."""
    ids = list(set(paper_ids))
    if not ids:
        return {}
    return dict(
        Comment.objects.filter(paper_id__in=ids, state=State.VISIBLE)
        .values_list("paper_id")
        .annotate(n=Count("pk"))
        .values_list("paper_id", "n")
    )


def can_see(viewer: Viewer, comment: Comment) -> bool:
    """Whether ``viewer`` may read this comment's text (its page, its history)."""
    if comment.state == State.VISIBLE:
        return True
    if comment.state == State.HELD:
        me = _viewer_id(viewer)
        return me is not None and (comment.author_id == me or bool(viewer.is_staff))
    return False


def history(comment: Comment) -> list[Revision]:
    """The comment's earlier versions, newest first."""
    return list(comment.revisions.all())
