"""Every collection as an RSS and an Atom feed: newest saved first.

Two addresses, two audiences. ``/library/feed/<token>.rss`` is the owner's private feed of
any collection, public or not: the token is signed (``library_pages.feed_token``), so the
address is the secret, as a private calendar's is; it carries the reader's notes. A public
collection is also ``/c/<token>/<slug>/feed.rss``, which anyone with the link reads and
which never carries a note or a tag. A forged token, or a public address of a collection
made private again, is a 404. Neither goes through the shared page cache: a feed must stop
answering the moment its collection is deleted or made private.

Items are written by ``web.feeds`` (``_PaperFeed``), the site's one rule for a paper as a
feed item (title, link, escaped abstract, authors, categories, date).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.decorators.cache import never_cache

from paperwire.catalogue.models import Paper
from paperwire.library import Collection, listed_entries
from paperwire.web.feeds import ITEMS, Atom, _PaperFeed
from paperwire.web.library_pages import (
    feed_collection,
    public_collection,
    public_path,
)


class _CollectionFeed(_PaperFeed):
    with_notes = False

    def title(self, obj: Collection) -> str:
        return f"paperwire — {obj.name}"

    def description(self, obj: Collection) -> str:
        return f"Papers saved in “{obj.name}”, newest saved first."

    def items(self, obj: Collection) -> list[Paper]:
        papers = []
        for entry in listed_entries(obj)[:ITEMS]:
            entry.paper.note = entry.note  # type: ignore[attr-defined]
            papers.append(entry.paper)
        return papers

    def item_description(self, item: Paper) -> str:
        text = super().item_description(item)
        note = getattr(item, "note", "") if self.with_notes else ""
        # Plain text, escaped by the feed framework like the abstract.
        return f"{text}\n\nYour note: {note}" if note else text


class PrivateFeed(_CollectionFeed):
    """The owner's feed of a collection, at a signed address; with their notes."""

    with_notes = True

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Collection:
        return feed_collection(kwargs["token"])

    def link(self, obj: Collection) -> str:
        # The owner's page: asks for sign-in, and shows nothing to anyone else.
        return f"/library/{obj.slug}"


class PublicFeed(_CollectionFeed):
    """A public collection's feed: no notes, no tags."""

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Collection:
        return public_collection(kwargs["token"])

    def link(self, obj: Collection) -> str:
        return public_path(obj)


class PrivateAtom(PrivateFeed):
    feed_type = Atom

    def subtitle(self, obj: Collection) -> str:
        return self.description(obj)


class PublicAtom(PublicFeed):
    feed_type = Atom

    def subtitle(self, obj: Collection) -> str:
        return self.description(obj)


private_rss = never_cache(PrivateFeed())
private_atom = never_cache(PrivateAtom())
public_rss = never_cache(PublicFeed())
public_atom = never_cache(PublicAtom())
