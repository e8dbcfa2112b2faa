"""The moderators' queue in the admin: comments filtered by state and by open reports, with
actions that approve, hide, unhide and block the author; reports, resolved one by one or in
bulk. The rules live in ``moderation``; this is their buttons."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from paperwire.discussion import moderation
from paperwire.discussion.markdown import excerpt
from paperwire.discussion.models import Comment, Report, Revision


class ReportedFilter(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "reported (unresolved)"), ("none", "no open report")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        reported = moderation.reported().values("pk")
        if self.value() == "open":
            return queryset.filter(pk__in=reported)
        if self.value() == "none":
            return queryset.exclude(pk__in=reported)
        return queryset


class ReportInline(admin.TabularInline[Report, Comment]):
    model = Report
    extra = 0
    fields = ("reporter", "reason", "note", "created_at", "resolved")
    # Moderators approve, hide or block; they never rewrite what a reader wrote.
    readonly_fields = ("reporter", "reason", "note", "created_at")
    can_delete = False


class RevisionInline(admin.TabularInline[Revision, Comment]):
    model = Revision
    extra = 0
    fields = ("written_at", "body")
    readonly_fields = ("written_at", "body")
    can_delete = False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = (
        "pk",
        "short",
        "paper",
        "author",
        "state",
        "open_reports",
        "votes",
        "created_at",
    )
    list_filter = ("state", ReportedFilter)
    search_fields = ("=paper__arxiv_id", "author__email", "body")
    raw_id_fields = ("paper", "author", "parent")
    readonly_fields = (
        "paper",
        "author",
        "parent",
        "depth",
        "state",
        "votes",
        "created_at",
        "edited_at",
        "published_at",
        "body",
    )
    fields = readonly_fields
    inlines = (ReportInline, RevisionInline)
    actions = ("approve", "hide", "unhide", "block_author")
    list_select_related = ("paper", "author")
    ordering = ("-created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return (
            super()
            .get_queryset(request)
            .annotate(reports_open=Count("reports", filter=Q(reports__resolved=False)))
        )

    @admin.display(description="comment")
    def short(self, obj: Comment) -> str:
        return excerpt(obj.body, 60) or "[deleted]"

    @admin.display(description="open reports", ordering="reports_open")
    def open_reports(self, obj: Comment) -> int:
        return int(getattr(obj, "reports_open", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # comments are written on the site, by readers

    @admin.action(description="Approve the selected held comments (everyone sees them)")
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = moderation.approve(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Approved {count} comment(s).")

    @admin.action(description="Hide the selected comments")
    def hide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = moderation.hide(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Hid {count} comment(s).")

    @admin.action(description="Unhide the selected comments")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = moderation.unhide(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Unhid {count} comment(s).")

    @admin.action(
        description="Block the authors of the selected comments (and hide all they wrote)"
    )
    def block_author(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        authors = User.objects.filter(pk__in=queryset.values("author_id"))
        blocked, hidden = moderation.block(authors, keep=request.user)
        self.message_user(request, f"Blocked {blocked} account(s); hid {hidden} comment(s).")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = ("comment", "reason", "note", "reporter", "created_at", "resolved")
    list_filter = ("resolved", "reason")
    raw_id_fields = ("comment", "reporter")
    search_fields = ("reporter__email", "note")
    actions = ("resolve",)

    @admin.action(description="Mark the selected reports resolved")
    def resolve(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        count = queryset.filter(resolved=False).update(resolved=True, resolved_at=timezone.now())
        self.message_user(request, f"Resolved {count} report(s).")
