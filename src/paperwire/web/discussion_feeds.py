"""A paper's comments as an RSS and an Atom feed: its visible comments, newest first.

Only what everyone may read goes in (visible comments; never held, hidden or deleted ones),
so the feeds are cached for anonymous readers like the pages. A comment's description is its
sanitised HTML (discussion.markdown), which the feed framework escapes as text for the
reader to show; its title is plain text, escaped the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import SyndicationFeed

from paperwire.catalogue.models import Paper
from paperwire.discussion import Comment, excerpt, public_name, visible
from paperwire.web.caching import anonymous_cache
from paperwire.web.feeds import ITEMS, Atom, Rss


class CommentsFeed(Feed):  # type: ignore[type-arg]
    feed_type: type[SyndicationFeed] = Rss

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Paper:
        arxiv_id = str(kwargs.get("arxiv_id", ""))
        paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
        if paper is None:
            raise Http404(f"{arxiv_id[:60]} is not in the catalogue")
        return paper

    def title(self, obj: Paper) -> str:
        return f"Discussion of “{obj.title}”"

    def link(self, obj: Paper) -> str:
        return f"/papers/{obj.arxiv_id}#discussion"

    def description(self, obj: Paper) -> str:
        return f"Comments on arXiv:{obj.arxiv_id}, newest first."

    def items(self, obj: Paper) -> list[Comment]:
        return visible(obj)[:ITEMS]

    def item_title(self, item: Comment) -> str:
        return f"{public_name(item.author)}: {excerpt(item.body, 80)}"

    def item_description(self, item: Comment) -> str:
        return item.html

    def item_link(self, item: Comment) -> str:
        return f"/papers/{item.paper.arxiv_id}#comment-{item.pk}"

    def item_guid(self, item: Comment) -> str:
        return f"comment-{item.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, item: Comment) -> str:
        return public_name(item.author)

    def item_pubdate(self, item: Comment) -> dt.datetime:
        return item.created_at

    def item_updateddate(self, item: Comment) -> dt.datetime:
        return item.edited_at or item.created_at


class CommentsAtom(CommentsFeed):
    feed_type = Atom


# Cached like the pages: a feed reads no parameters and shows only what everyone may read.
comments_rss = anonymous_cache(reads=())(CommentsFeed())
comments_atom = anonymous_cache(reads=())(CommentsAtom())
