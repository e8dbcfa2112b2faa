"""The discussion under each paper: threaded comments, their history, votes and reports,
and the moderation that keeps them readable.

This is the package's public face; everything else in paperwire imports only these names
from ``paperwire.discussion``. They load on first use, because this is also a Django app
package, imported before its models may be.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.discussion.core import (
        DiscussionError,
        Item,
        Thread,
        VoteState,
        can_see,
        claimed_authors,
        counts,
        delete,
        edit,
        find,
        history,
        is_held,
        post,
        public_name,
        report,
        thread,
        visible,
        vote,
    )
    from paperwire.discussion.markdown import excerpt, plain_text, render
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
    from paperwire.discussion.moderation import approve, block, held, hide, reported, unhide
    from paperwire.discussion.signals import comment_published

_HOMES = {
    **dict.fromkeys(
        [
            "DiscussionError", "Item", "Thread", "VoteState", "can_see", "claimed_authors",
            "counts", "delete", "edit", "find", "history", "is_held", "post", "public_name",
            "report", "thread", "visible", "vote",
        ],
        "core",
    ),
    **dict.fromkeys(["excerpt", "plain_text", "render"], "markdown"),
    **dict.fromkeys(["approve", "block", "held", "hide", "reported", "unhide"], "moderation"),
    **dict.fromkeys(
        ["MAX_BODY_CHARS", "MAX_DEPTH", "Comment", "CommentVote", "Reason", "Report",
         "Revision", "State"],
        "models",
    ),
    "comment_published": "signals",
}  # fmt: skip

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_DEPTH",
    "Comment",
    "CommentVote",
    "DiscussionError",
    "Item",
    "Reason",
    "Report",
    "Revision",
    "State",
    "Thread",
    "VoteState",
    "approve",
    "block",
    "can_see",
    "claimed_authors",
    "comment_published",
    "counts",
    "delete",
    "edit",
    "excerpt",
    "find",
    "held",
    "hide",
    "history",
    "is_held",
    "plain_text",
    "post",
    "public_name",
    "render",
    "report",
    "reported",
    "thread",
    "unhide",
    "visible",
    "vote",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paperwire.discussion' has no attribute {name!r}")
    value = getattr(import_module(f"paperwire.discussion.{home}"), name)
    globals()[name] = value
    return value
