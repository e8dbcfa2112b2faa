"""Mounted at the site's root by paperwire/urls.py: the discussion pages.

The paper patterns come before paperwire/urls.py's catch-all paper address, and old-style ids
hold a slash (hep-th/9901001): the id is everything before the last part.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from paperwire.web import discussion_feeds as feeds
from paperwire.web import discussion_pages as pages

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^papers/(?P<arxiv_id>.+)/comments\.rss$", feeds.comments_rss, name="comments-rss"),
    re_path(r"^papers/(?P<arxiv_id>.+)/comments\.atom$", feeds.comments_atom, name="comments-atom"),
    re_path(r"^papers/(?P<arxiv_id>.+)/comments$", pages.paper_comments, name="comments"),
    path("comments/<int:pk>", pages.comment_link, name="comment"),
    path("comments/<int:pk>/edit", pages.edit_comment, name="comment-edit"),
    path("comments/<int:pk>/delete", pages.delete_comment, name="comment-delete"),
    path("comments/<int:pk>/vote", pages.vote_comment, name="comment-vote"),
    path("comments/<int:pk>/report", pages.report_comment, name="comment-report"),
    path("comments/<int:pk>/history", pages.history_page, name="comment-history"),
]
