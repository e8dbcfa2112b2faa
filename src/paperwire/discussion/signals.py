"""What the discussion tells the rest of paperwire.

``comment_published`` is sent once per comment, after the transaction that makes it visible
to everyone commits: when it is posted by an account that is not held, or when a moderator
approves a held one. Receivers get ``comment`` (a ``discussion.models.Comment``). The inbox
listens to it; the discussion never imports its listeners.
"""

from __future__ import annotations

from django.dispatch import Signal

comment_published = Signal()
