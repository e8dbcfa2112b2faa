"""Moderation: find a paper, hide or show it."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from paperwire.catalogue.models import Paper


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin[Paper]):
    list_display = ("arxiv_id", "title", "primary_category", "announced_on", "upvotes", "hidden")
    list_filter = ("hidden", "primary_category")
    search_fields = ("=arxiv_id", "title")
    date_hierarchy = "announced_on"
    readonly_fields = ("created_at", "modified_at", "sources")
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    actions = ("hide", "unhide")

    @admin.action(description="Hide selected papers from every list")
    def hide(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        # modified_at tells the search index to drop it too.
        count = queryset.update(hidden=True, modified_at=timezone.now())
        self.message_user(request, f"Hid {count} paper(s).")

    @admin.action(description="Show selected papers again")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Paper]) -> None:
        count = queryset.update(hidden=False, modified_at=timezone.now())
        self.message_user(request, f"Showed {count} paper(s) again.")
