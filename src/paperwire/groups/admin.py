"""The groups in the admin: members, invitations, collections and the queue, for operators."""

from __future__ import annotations

from django.contrib import admin

from paperwire.groups.models import (
    Group,
    Invitation,
    Membership,
    Proposal,
    SharedCollection,
    SharedItem,
)


class MembershipInline(admin.TabularInline[Membership, Group]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin[Group]):
    list_display = ("name", "slug", "created_by", "created_at")
    search_fields = ("name", "slug")
    inlines = [MembershipInline]
    raw_id_fields = ("created_by",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "group", "invited_by", "created_at", "accepted_at")
    search_fields = ("email", "group__name")
    raw_id_fields = ("group", "invited_by")


@admin.register(SharedCollection)
class SharedCollectionAdmin(admin.ModelAdmin[SharedCollection]):
    list_display = ("name", "group", "created_at")
    search_fields = ("name", "group__name")
    raw_id_fields = ("group", "created_by")


@admin.register(SharedItem)
class SharedItemAdmin(admin.ModelAdmin[SharedItem]):
    list_display = ("collection", "paper", "added_by", "added_at")
    raw_id_fields = ("collection", "paper", "added_by")


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin[Proposal]):
    list_display = ("group", "paper", "proposed_by", "proposed_at", "discussed_at")
    raw_id_fields = ("group", "paper", "proposed_by")
