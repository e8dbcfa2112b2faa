"""Mounted at the site's root by paperwire/urls.py: the inbox pages."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from paperwire.web import inbox_pages as pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox", pages.inbox_page, name="inbox"),
    path("inbox/read", pages.read_page, name="inbox-read"),
    path("inbox/settings", pages.settings_page, name="inbox-settings"),
    path("inbox/unsubscribe/<str:token>", pages.unsubscribe_page, name="inbox-unsubscribe"),
]
