from django.contrib import admin

from paperwire.library.models import Collection, Entry, Mark, Reader


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin[Collection]):
    list_display = ["name", "owner", "public", "is_default", "created_at"]
    list_filter = ["public", "is_default"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin[Entry]):
    list_display = ["paper", "collection", "added_at"]
    raw_id_fields = ["collection", "paper"]


@admin.register(Mark)
class MarkAdmin(admin.ModelAdmin[Mark]):
    list_display = ["paper", "kind", "user", "email", "source", "created_at"]
    list_filter = ["kind", "source"]
    raw_id_fields = ["user", "paper"]


@admin.register(Reader)
class ReaderAdmin(admin.ModelAdmin[Reader]):
    list_display = ["user", "signals_changed_at", "last_visit_at", "onboarded"]
    raw_id_fields = ["user"]
