"""A group's reading queue as an RSS and an Atom feed, at a private address per member.

``/groups/feed/<token>.rss``: the token signs the member's membership (``groups.feed_token``),
so the address is the secret, as a private calendar's is, and it dies with the membership: a
member who leaves or is removed finds their old address answering 404. Feeds never go through
the shared page cache (``never_cache``): a feed must stop answering the moment its reader
stops being a member.

Items are written by ``web.feeds`` (``_PaperFeed``), the site's one rule for a paper as a feed
item (title, link, escaped abstract, authors, categories, date).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.views.decorators.cache import never_cache

from paperwire import groups
from paperwire.catalogue.models import Paper
from paperwire.groups import Membership
from paperwire.web.feeds import ITEMS, Atom, _PaperFeed


class QueueFeed(_PaperFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Membership:
        found = groups.member_for_feed(kwargs["token"])
        if found is None:
            raise Http404("There is no such feed.")
        return found

    def title(self, obj: Membership) -> str:
        return f"paperwire — {obj.group.name}: reading queue"

    def description(self, obj: Membership) -> str:
        return f"Papers proposed for {obj.group.name}'s next meeting, most votes first."

    def link(self, obj: Membership) -> str:
        # The queue's page: asks for sign-in, and shows nothing to anyone but members.
        return f"/groups/{obj.group.slug}/queue"

    def items(self, obj: Membership) -> list[Paper]:
        papers = []
        for queued in groups.queue_of(obj.group, limit=ITEMS):
            queued.paper.queue_votes = queued.votes  # type: ignore[attr-defined]
            papers.append(queued.paper)
        return papers

    def item_description(self, item: Paper) -> str:
        votes = getattr(item, "queue_votes", 0)
        # Plain text, escaped by the feed framework like the abstract.
        return f"{votes} vote{'s' if votes != 1 else ''}\n\n{super().item_description(item)}"


class QueueAtom(QueueFeed):
    feed_type = Atom

    def subtitle(self, obj: Membership) -> str:
        return self.description(obj)


queue_rss = never_cache(QueueFeed())
queue_atom = never_cache(QueueAtom())
