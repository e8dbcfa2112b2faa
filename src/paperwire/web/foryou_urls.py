"""Mounted at the site's root by paperwire/urls.py: For you and the account page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from paperwire.web import account_pages, foryou_feeds, foryou_pages

# A signed token: the reader's pk, a dot, the signature (URL-safe base64).
SIGNED = r"(?P<token>[0-9]+\.[A-Za-z0-9_-]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    path("for-you", foryou_pages.for_you, name="for-you"),
    path("for-you/feedback", foryou_pages.feedback, name="for-you-feedback"),
    re_path(rf"^for-you/feed/{SIGNED}\.rss$", foryou_feeds.rss, name="for-you-feed-rss"),
    re_path(rf"^for-you/feed/{SIGNED}\.atom$", foryou_feeds.atom, name="for-you-feed-atom"),
    path("for-you/start", foryou_pages.start, name="for-you-start"),
    path("for-you/start/mark", foryou_pages.start_mark, name="for-you-start-mark"),
    path("for-you/start/done", foryou_pages.start_done, name="for-you-start-done"),
    path(
        "for-you/collection/<str:slug>",
        foryou_pages.collection_page,
        name="for-you-collection",
    ),
    path("account", account_pages.account_page, name="account"),
    path("account/tokens", account_pages.create_token, name="account-token-create"),
    path(
        "account/tokens/<int:pk>/revoke",
        account_pages.revoke_token,
        name="account-token-revoke",
    ),
    path("account/filters/clear", account_pages.clear_filters, name="account-filters-clear"),
    path("account/export", account_pages.export_page, name="account-export"),
    path("account/delete", account_pages.delete_page, name="account-delete"),
]
