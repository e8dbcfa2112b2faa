"""Subscribers, digests and the delivery log in the admin."""

from __future__ import annotations

from django.contrib import admin

from paperwire.digests.models import Delivery, Digest, Subscriber, Topic


class TopicInline(admin.TabularInline[Topic, Subscriber]):
    model = Topic
    extra = 0


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin[Subscriber]):
    list_display = ("email", "frequency", "confirmed_at", "unsubscribed_at", "bounced_at")
    list_filter = ("frequency",)
    search_fields = ("email",)
    readonly_fields = ("created_at", "confirmation_sent_at", "bounce_reason")
    inlines = [TopicInline]
    show_full_result_count = False


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin[Digest]):
    list_display = ("subscriber", "frequency", "period_start", "status", "attempts", "sent_at")
    list_filter = ("frequency", "status", "period_start")
    search_fields = ("subscriber__email",)
    raw_id_fields = ("subscriber",)
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("at", "email", "kind", "outcome", "code", "detail")
    list_filter = ("outcome", "kind")
    search_fields = ("email",)
    raw_id_fields = ("digest",)
    show_full_result_count = False
