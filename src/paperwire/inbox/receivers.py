"""The inbox's listeners: a comment made visible notifies the readers it concerns.

The discussion sends ``comment_published`` after the commit that makes a comment visible (a
post that is not held, or a moderator's approval), so a held comment reaches nobody until it
is approved. Connected in ``InboxConfig.ready``.
"""

from __future__ import annotations

import logging
from typing import Any

from paperwire.inbox.core import notify

log = logging.getLogger(__name__)


def on_comment_published(sender: Any, comment: Any, **kwargs: Any) -> None:
    # The comment is already committed: a failure here must not turn the poster's request
    # into an error for a comment that was saved. It is logged, and nobody is notified.
    try:
        notify(comment)
    except Exception:
        log.exception("notifications for comment %s failed", getattr(comment, "pk", "?"))
