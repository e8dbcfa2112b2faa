"""Moderation of people: block an account (it can no longer sign in, vote or submit)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from paperwire.community.models import ApiToken, Vote

admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(UserAdmin[User]):
    list_display = ("email", "username", "date_joined", "last_login", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email", "username")
    actions = ("block", "unblock")

    @admin.action(description="Block the selected accounts (no sign-in, votes, submissions)")
    def block(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = queryset.exclude(pk=request.user.pk or 0).update(is_active=False)
        self.message_user(request, f"Blocked {count} account(s).")

    @admin.action(description="Unblock the selected accounts")
    def unblock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = queryset.update(is_active=True)
        self.message_user(request, f"Unblocked {count} account(s).")


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin[Vote]):
    list_display = ("paper", "user", "weight", "created_at")
    raw_id_fields = ("paper", "user")
    search_fields = ("=paper__arxiv_id", "user__email")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at")
    raw_id_fields = ("user",)
    search_fields = ("user__email", "prefix")
