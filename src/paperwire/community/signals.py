"""What the community tells the layers built on it.

``activity`` is sent after the commit of any change visitors see in a paper's community side:
a vote, a submission, a comment shown, edited, voted on, deleted or hidden. The site listens
to drop the pages it keeps for anonymous visitors, so the next page any node serves shows the
change (the cache is shared, in Redis, when there are several nodes). The community and the
discussion send it; neither imports its listeners.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

activity = Signal()


def announce_activity() -> None:
    """Send ``activity`` once the current transaction commits (at once outside one): a page
    rendered between the change and its commit must not be the one kept."""
    transaction.on_commit(lambda: activity.send(sender=None))
