"""RSS and Atom feeds: the newest day's list, trending, and any search.

Every feed takes the lists' public filters as query parameters (``cat``, ``exclude``,
``listing``; ``paperwire.library.FeedFilters``), so a list page's feed links carry its
filters. Feeds are everyone's and cached (``cached``): the personal filters (``hide``) are
never read here, whoever asks.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import day, latest_day
from paperwire.community import trending as trend
from paperwire.library import FeedFilters, FilterError
from paperwire.library.feedfilters import PUBLIC_PARAMETERS
from paperwire.search import newest_matching
from paperwire.web.caching import View, anonymous_cache
from paperwire.web.lists import canonical_filters

ITEMS = 50

# What XML 1.0 cannot carry at all, escaped or not (its production ``Char``): C0 controls but
# tab and line breaks, lone surrogates, U+FFFE and U+FFFF. A query typed into the address bar
# or a title from a source may hold any of them; Django's feed writer refuses them (a 500).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _NOT_XML.sub("", text)


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple):
        return [_xml_safe(v) for v in value]
    return value


class _XmlSafe(SyndicationFeed):
    """Every text that goes into a feed, the feed's own and each item's, passes here: the one
    place characters XML cannot hold are dropped, whichever field they come in by."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class Rss(_XmlSafe, Rss201rev2Feed):
    pass


class Atom(_XmlSafe, Atom1Feed):
    pass


# Every parameter a feed reads: a search's words and the public filters.
FEED_PARAMETERS = ("q", *PUBLIC_PARAMETERS)


def cached(feed: Feed) -> View:  # type: ignore[type-arg]
    """A feed as a view: cached for anonymous readers by its query and public filters, each
    spelt one way (``canonical_filters``, outside the cache)."""
    return canonical_filters(anonymous_cache(reads=FEED_PARAMETERS)(feed))


def _filters(request: HttpRequest) -> FeedFilters:
    # Only the public part: a feed is the same for whoever fetches it.
    return FeedFilters.from_params(
        {name: request.GET.getlist(name) for name in PUBLIC_PARAMETERS}
    ).public()


def _described(text: str, filters: FeedFilters) -> str:
    parts = []
    if filters.categories:
        parts.append("in " + ", ".join(filters.categories))
    if filters.exclude:
        parts.append("without " + ", ".join(filters.exclude))
    if filters.submitted_only:
        parts.append("submitted papers only")
    return f"{text} ({'; '.join(parts)})" if parts else text


class _PaperFeed(Feed):  # type: ignore[type-arg]
    feed_type: type[SyndicationFeed] = Rss

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except FilterError as exc:
            return HttpResponse(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")

    def item_title(self, item: Paper) -> str:
        return item.title

    def item_description(self, item: Paper) -> str:
        # The feed framework escapes this text; readers show it as plain text.
        authors = ", ".join(item.authors[:10]) + (" et al." if len(item.authors) > 10 else "")
        return f"{authors}\n\n{item.abstract}"

    def item_link(self, item: Paper) -> str:
        return f"/papers/{item.arxiv_id}"

    def item_guid(self, item: Paper) -> str:
        return item.abs_url

    def item_author_name(self, item: Paper) -> str | None:
        return ", ".join(item.authors[:3]) + (" et al." if len(item.authors) > 3 else "") or None

    def item_pubdate(self, item: Paper) -> dt.datetime | None:
        day = item.daily_date or item.announced_on
        if day is None:
            return item.published
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)

    def item_categories(self, item: Paper) -> list[str]:
        return list(item.categories)


class _ListFeed(_PaperFeed):
    """A list's feed: its filters are the feed's object."""

    page = "/"
    heading = ""

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedFilters:
        return _filters(request)

    def title(self, obj: FeedFilters) -> str:
        return _described(self.heading, obj)

    def link(self, obj: FeedFilters) -> str:
        query = urlencode(obj.to_params())
        return self.page + (f"?{query}" if query else "")


class DailyFeed(_ListFeed):
    heading = "paperwire — daily papers"
    page = "/"
    description = "The newest day's papers, most upvoted first."

    def items(self, obj: FeedFilters) -> list[Paper]:
        latest = latest_day()
        if latest is None:
            return []
        return list(obj.apply(trend.day_list(day(latest)), None)[:ITEMS])


class TrendingFeed(_ListFeed):
    heading = "paperwire — trending papers"
    page = "/trending"
    description = "Papers with the most upvotes, newer ones first (see /trending for the formula)."

    def items(self, obj: FeedFilters) -> list[Paper]:
        return list(obj.apply(trend.trending(), None)[:ITEMS])


class SearchFeed(_PaperFeed):
    description = (
        "The newest papers matching a search, as a digest topic matches them: every word "
        "present, or close in meaning."
    )

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        # Cleaned before searching too: PostgreSQL refuses a NUL in a query's text.
        return " ".join(xml_text(request.GET.get("q", "")).split())[:1000]

    def title(self, obj: str) -> str:
        return f"paperwire — search: {obj}" if obj else "paperwire — search"

    def link(self, obj: str) -> str:
        return "/search?" + urlencode({"q": obj, "sort": "newest"})

    def items(self, obj: str) -> list[Paper]:
        # The newest matches above the digests' threshold (search.topics), not the most
        # relevant of all time: a feed reader wants what is new.
        return newest_matching(obj, ITEMS) if obj else []


class DailyAtom(DailyFeed):
    feed_type = Atom
    subtitle = DailyFeed.description


class TrendingAtom(TrendingFeed):
    feed_type = Atom
    subtitle = TrendingFeed.description


class SearchAtom(SearchFeed):
    feed_type = Atom
    subtitle = SearchFeed.description
