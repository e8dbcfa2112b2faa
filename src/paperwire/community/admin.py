"""Moderation of people: block an account (it can no longer sign in, vote or submit); approve
or reject authorship claims (their votes are re-weighed at once); see follows."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from paperwire.community import approve, reject
from paperwire.community.models import ApiToken, Claim, Follow, Vote

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


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin[Claim]):
    """The moderators' queue of authorship claims: pending first, oldest first."""

    list_display = ("target", "user", "status", "how", "created_at", "decided_at", "decided_by")
    list_filter = ("status", "how")
    search_fields = ("user__email", "name", "=paper__arxiv_id")
    raw_id_fields = ("user", "paper", "decided_by")
    readonly_fields = ("status", "how", "decided_at", "decided_by", "created_at")
    actions = ("approve_claims", "reject_claims")
    ordering = ("status", "created_at")

    @admin.action(description="Approve the selected claims (the badge shows at once)")
    def approve_claims(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        count = approve(queryset.values_list("pk", flat=True), by=request.user)
        self.message_user(request, f"Approved {count} claim(s).")

    @admin.action(description="Reject the selected claims (an approved one is revoked)")
    def reject_claims(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        count = reject(queryset.values_list("pk", flat=True), by=request.user)
        self.message_user(request, f"Rejected {count} claim(s).")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return super().get_queryset(request).select_related("user", "paper", "decided_by")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin[Follow]):
    list_display = ("name", "kind", "user", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "key")
    raw_id_fields = ("user",)
