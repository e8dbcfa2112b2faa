"""Mounted at the site's root by paperwire/urls.py: the library's pages, buttons and feeds.

``/library/<slug>`` and everything under it is the signed-in reader's own; ``/c/...`` is a
public collection's address; ``/papers/<id>/save|remove|mark`` are the buttons on a paper,
matched here before paperwire/urls.py's catch-all paper address.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from paperwire.web import library_feeds as feeds
from paperwire.web import library_pages as pages

# A signed token: the primary key, a dot, the signature (URL-safe base64).
SIGNED = r"(?P<token>[0-9]+\.[A-Za-z0-9_-]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    # Old-style ids hold a slash (hep-th/9901001): the rest of the path is the id.
    re_path(r"^papers/(?P<arxiv_id>.+)/save$", pages.save_paper, name="library-save"),
    re_path(r"^papers/(?P<arxiv_id>.+)/remove$", pages.remove_paper, name="library-remove"),
    re_path(r"^papers/(?P<arxiv_id>.+)/mark$", pages.mark_paper, name="library-mark"),
    path("library", pages.library_page, name="library"),
    path("library/import", pages.import_page, name="library-import"),
    path("library/feed/rotate", pages.rotate_feeds_page, name="library-feeds-rotate"),
    re_path(rf"^library/feed/{SIGNED}\.rss$", feeds.private_rss, name="library-feed-rss"),
    re_path(rf"^library/feed/{SIGNED}\.atom$", feeds.private_atom, name="library-feed-atom"),
    path("library/<str:slug>", pages.collection_page, name="library-collection"),
    path("library/<str:slug>/rename", pages.rename_page, name="library-rename"),
    path("library/<str:slug>/delete", pages.delete_page, name="library-delete"),
    path("library/<str:slug>/visibility", pages.visibility_page, name="library-visibility"),
    path("library/<str:slug>/entries/<int:pk>", pages.entry_page, name="library-entry"),
    path(
        "library/<str:slug>/entries/<int:pk>/remove",
        pages.entry_remove_page,
        name="library-entry-remove",
    ),
    path("library/<str:slug>/export.<str:fmt>", pages.export_page, name="library-export"),
    re_path(rf"^c/{SIGNED}/(?P<slug>[^/]+)$", pages.public_page, name="library-public"),
    re_path(
        rf"^c/{SIGNED}/(?P<slug>[^/]+)/feed\.rss$", feeds.public_rss, name="library-public-rss"
    ),
    re_path(
        rf"^c/{SIGNED}/(?P<slug>[^/]+)/feed\.atom$", feeds.public_atom, name="library-public-atom"
    ),
]
