"""A reader's own layer over the catalogue: collections of saved papers with notes and tags,
marks (read, not interested, more / less like this), and per-reader state.

Everything here is private to its owner unless a collection is made public. The rows are
also the personal ranking's training data (see ``paperwire.library.signals``): a saved paper
or an upvote is a positive, "less like this" and "not interested" are negatives.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import slugify

from paperwire.catalogue.models import Paper

DEFAULT_COLLECTION = "Saved"


class Collection(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, allow_unicode=True)
    public = models.BooleanField(
        default=False, help_text="readable by anyone with the link (page, feed, API)"
    )
    is_default = models.BooleanField(default=False, help_text='the reader\'s "Saved"')
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="one_slug_per_reader"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} / {self.name}"

    @staticmethod
    def slug_for(name: str) -> str:
        # allow_unicode keeps a name in any script addressable; "-" when nothing survives.
        return slugify(name, allow_unicode=True)[:100] or "-"


class Entry(models.Model):
    """A paper saved in a collection, with the reader's private note and tags."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="entries")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="library_entries")
    note = models.TextField(blank=True)
    tags: models.JSONField[list[str], list[str]] = models.JSONField(default=list, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "paper"], name="a_paper_once_per_collection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection}: {self.paper.arxiv_id}"


class Kind(models.TextChoices):
    """What a reader said of a paper, beside saving and upvoting it."""

    MORE = "more", "more like this"
    LESS = "less", "less like this"
    NOT_INTERESTED = "not_interested", "not interested"
    READ = "read", "read"
    # Only for address-only subscribers, who have no collection yet: moved into "Saved"
    # when they sign up with that address.
    SAVE = "save", "save"


class Mark(models.Model):
    """One reader's mark on one paper. A subscriber without an account is known by address
    (``email``) until they sign up with it; then ``claim_address`` moves the marks over."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="marks",
    )
    email = models.EmailField(blank=True, db_index=True, help_text="address-only subscribers")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="marks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, default="page", help_text="page, api, mail, import")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "paper", "kind"],
                condition=models.Q(user__isnull=False),
                name="one_mark_per_reader_paper_kind",
            ),
            models.UniqueConstraint(
                fields=["email", "paper", "kind"],
                condition=models.Q(user__isnull=True),
                name="one_mark_per_address_paper_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(email=""),
                name="a_mark_has_a_reader",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.email} {self.kind} {self.paper.arxiv_id}"


class Reader(models.Model):
    """Per-reader state: when the signals last changed (the ranking retrains after it),
    the last visit (the daily page marks what is new since), pinned list filters."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reader",
    )
    signals_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_visit_at = models.DateTimeField(null=True, blank=True)
    previous_visit_at = models.DateTimeField(
        null=True, blank=True, help_text="the visit before the last: 'new since your last visit'"
    )
    filters: models.JSONField[dict[str, object], dict[str, object]] = models.JSONField(
        default=dict, blank=True, help_text="pinned list filters (query parameters)"
    )
    onboarded = models.BooleanField(default=False)
    # Part of the salt of the reader's private feed addresses: a new key revokes them all.
    feed_key = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return str(self.user)
