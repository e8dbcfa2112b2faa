"""A reader's For-you ranking as an RSS and an Atom feed, at a private signed address.

``/for-you/feed/<token>.rss`` ranks the newest day with papers (or ``?date=``, ``?week=``,
``?month=``) for the reader the token names, with the list filters in the query string, as
/for-you does; each item says why it is there. The address is the secret, as a private
calendar's is; "New addresses for my private feeds" on /library revokes it with the
collections' private feeds. Never cached in the shared cache: it is one reader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest
from django.views.decorators.cache import never_cache

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import BadPeriod, Period, named_or_latest
from paperwire.community.trending import day_list
from paperwire.library import FeedFilters, FilterError, reader_for_feed
from paperwire.web.feeds import ITEMS, Atom, _PaperFeed

NOT_FOUND = "There is no such feed."


@dataclass(frozen=True)
class Ranking:
    reader: Any
    period: Period | None
    filters: FeedFilters


class ForYouFeed(_PaperFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Ranking:
        reader = reader_for_feed(kwargs["token"])
        if reader is None:
            raise Http404(NOT_FOUND)
        try:
            period = named_or_latest(request.GET)
        except BadPeriod as exc:
            # The feed framework turns FilterError into a one-line 400 (feeds._PaperFeed).
            raise FilterError(str(exc)) from None
        return Ranking(reader, period, FeedFilters.from_params(request.GET))

    def title(self, obj: Ranking) -> str:
        return f"paperwire — for you{f', {obj.period.label}' if obj.period else ''}"

    def description(self, obj: Ranking) -> str:
        return "Papers ranked for you by what you saved, upvoted and dismissed."

    def link(self, obj: Ranking) -> str:
        return "/for-you"  # asks the reader to sign in; shows nothing to anyone else

    def items(self, obj: Ranking) -> list[Paper]:
        from paperwire import foryou  # the engine loads scikit-learn: only when a feed is read

        if obj.period is None or foryou.status(obj.reader) != foryou.Status.READY:
            return []
        candidates = obj.filters.apply(day_list(obj.period), obj.reader)
        ranked = foryou.recommend(obj.reader, candidates, ITEMS)
        found = Paper.objects.in_bulk([r.paper_id for r in ranked])
        papers = []
        for r in ranked:
            if r.paper_id in found:
                paper = found[r.paper_id]
                paper.why = r.why  # type: ignore[attr-defined]
                papers.append(paper)
        return papers

    def item_description(self, item: Paper) -> str:
        # Plain text, escaped by the feed framework like the abstract.
        why = "\n".join(getattr(item, "why", []))
        text = super().item_description(item)
        return f"Why: {why}\n\n{text}" if why else text


class ForYouAtom(ForYouFeed):
    feed_type = Atom

    def subtitle(self, obj: Ranking) -> str:
        return self.description(obj)


rss = never_cache(ForYouFeed())
atom = never_cache(ForYouAtom())
