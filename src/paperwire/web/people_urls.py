"""Mounted at the site's root by paperwire/urls.py: the people pages.

Authors' and organisations' names may hold any character (a slash too, once decoded), so the
addresses with a suffix are matched first and the page takes the rest of the path.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from paperwire.web import people_feeds as feeds
from paperwire.web import people_pages as pages

# A signed token: the primary key, a dot, the signature (URL-safe base64).
SIGNED = r"(?P<token>[0-9]+\.[A-Za-z0-9_-]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    path("following", pages.following_page, name="people-following"),
    re_path(rf"^following/feed/{SIGNED}\.rss$", feeds.following_rss, name="people-feed-rss"),
    re_path(rf"^following/feed/{SIGNED}\.atom$", feeds.following_atom, name="people-feed-atom"),
    re_path(r"^papers/(?P<arxiv_id>.+)/claim$", pages.claim_a_paper, name="people-claim-paper"),
    re_path(r"^authors/(?P<name>.+)/feed\.rss$", feeds.author_rss, name="author-feed-rss"),
    re_path(r"^authors/(?P<name>.+)/feed\.atom$", feeds.author_atom, name="author-feed-atom"),
    re_path(r"^orgs/(?P<name>.+)/feed\.rss$", feeds.org_rss, name="org-feed-rss"),
    re_path(r"^orgs/(?P<name>.+)/feed\.atom$", feeds.org_atom, name="org-feed-atom"),
    re_path(r"^(?P<section>authors|orgs)/(?P<name>.+)/follow$", pages.follow, name="follow"),
    re_path(r"^authors/(?P<name>.+)/claim$", pages.claim_name, name="people-claim-name"),
    re_path(r"^authors/(?P<name>.+)$", pages.author_page, name="author"),
    re_path(r"^orgs/(?P<name>.+)$", pages.org_page, name="org"),
]
