"""Mounted at the site's root by paperwire/urls.py: the group pages, buttons and feeds.

Everything under ``/groups/<slug>`` is for the group's members (``group_pages``);
``/groups/invite/<token>`` is an invitation's link and ``/groups/feed/<token>`` a member's
private queue feed, both matched before a group's slug.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from paperwire.web import group_feeds as feeds
from paperwire.web import group_pages as pages

# A signed token: the primary key, a dot, the signature (URL-safe base64).
SIGNED = r"(?P<token>[0-9]+\.[A-Za-z0-9_-]+)"
# An invitation's: the primary key, its timestamp (base 62) and the signature.
TIMED = r"(?P<token>[0-9]+\.[0-9A-Za-z]+\.[A-Za-z0-9_-]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    path("groups", pages.groups_page, name="groups"),
    re_path(rf"^groups/invite/{TIMED}$", pages.accept_page, name="group-invite"),
    re_path(rf"^groups/feed/{SIGNED}\.rss$", feeds.queue_rss, name="group-feed-rss"),
    re_path(rf"^groups/feed/{SIGNED}\.atom$", feeds.queue_atom, name="group-feed-atom"),
    path("groups/<str:slug>", pages.group_page, name="group"),
    path("groups/<str:slug>/invite", pages.invite_page, name="group-invite-send"),
    path(
        "groups/<str:slug>/invitations/<int:pk>/withdraw",
        pages.withdraw_page,
        name="group-invite-withdraw",
    ),
    path("groups/<str:slug>/leave", pages.leave_page, name="group-leave"),
    path(
        "groups/<str:slug>/members/<int:user_id>/remove",
        pages.remove_member_page,
        name="group-remove-member",
    ),
    path("groups/<str:slug>/collections", pages.new_collection_page, name="group-collections"),
    path(
        "groups/<str:slug>/c/<str:collection>",
        pages.collection_page,
        name="group-collection",
    ),
    path(
        "groups/<str:slug>/c/<str:collection>/remove",
        pages.collection_remove_page,
        name="group-collection-remove",
    ),
    path("groups/<str:slug>/save", pages.save_page, name="group-save"),
    path("groups/<str:slug>/week", pages.week_page, name="group-week"),
    path("groups/<str:slug>/queue", pages.queue_page, name="group-queue"),
    path("groups/<str:slug>/queue/propose", pages.propose_page, name="group-propose"),
    path("groups/<str:slug>/queue/<int:pk>/vote", pages.vote_page, name="group-vote"),
    path(
        "groups/<str:slug>/queue/<int:pk>/discussed",
        pages.discussed_page,
        name="group-discussed",
    ),
]
