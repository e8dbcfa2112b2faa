from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from paperwire.web import feeds, lists, papers, search_page

# Feeds are the same for everyone and polled by readers: cached like the pages, by the
# parameters a feed reads (a search's words, the lists' public filters).
_cached_feed = feeds.cached

urlpatterns = [
    path("", lists.home, name="home"),
    path("date/<str:text>", lists.on_date, name="date"),
    path("week/<str:text>", lists.in_week, name="week"),
    path("month/<str:text>", lists.in_month, name="month"),
    path("trending", lists.trending, name="trending"),
    path("search", search_page.search_page, name="search"),
    path("submit", papers.submit_page, name="submit"),
    path("", include("paperwire.digests.urls")),
    path("", include("paperwire.web.library_urls")),
    path("", include("paperwire.web.foryou_urls")),
    path("", include("paperwire.web.discussion_urls")),
    path("", include("paperwire.web.people_urls")),
    path("", include("paperwire.web.group_urls")),
    path("", include("paperwire.web.inbox_urls")),
    path("", include("paperwire.web.ops_urls")),
    # Old-style ids hold a slash (hep-th/9901001): the rest of the path is the id.
    re_path(r"^papers/(?P<arxiv_id>.+)/upvote$", papers.upvote, name="upvote"),
    re_path(r"^papers/(?P<arxiv_id>.+)/similar$", papers.similar_papers, name="similar"),
    re_path(r"^papers/(?P<arxiv_id>.+)$", papers.paper_page, name="paper"),
    path("feeds/daily.rss", _cached_feed(feeds.DailyFeed()), name="feed-daily-rss"),
    path("feeds/daily.atom", _cached_feed(feeds.DailyAtom()), name="feed-daily-atom"),
    path("feeds/trending.rss", _cached_feed(feeds.TrendingFeed()), name="feed-trending-rss"),
    path("feeds/trending.atom", _cached_feed(feeds.TrendingAtom()), name="feed-trending-atom"),
    path("feeds/search.rss", _cached_feed(feeds.SearchFeed()), name="feed-search-rss"),
    path("feeds/search.atom", _cached_feed(feeds.SearchAtom()), name="feed-search-atom"),
    path("api/", include("paperwire.api.urls")),
    # Accounts have no password: signing in is always by a code mailed to the address.
    path("accounts/login/", RedirectView.as_view(url="/accounts/login/code/", query_string=True)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "paperwire.web.errors.bad_request"
handler404 = "paperwire.web.errors.not_found"
handler500 = "paperwire.web.errors.server_error"
