"""The catalogue: one row per arXiv paper, whatever sources it came from."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models

from paperwire.catalogue.keys import CODE_KINDS, paper_keys


class PaperQuerySet(models.QuerySet["Paper"]):
    def visible(self) -> PaperQuerySet:
        return self.filter(hidden=False)

    def in_days(self, first: date, last: date) -> PaperQuerySet:
        """Papers whose day (see ``Paper.day``) falls in [first, last].

        Two indexed conditions rather than one COALESCE, which no index could serve.
        """
        return self.filter(
            models.Q(daily_date__range=(first, last))
            | models.Q(daily_date__isnull=True, announced_on__range=(first, last))
        )

    def newest(self) -> PaperQuerySet:
        return self.order_by(models.F("announced_on").desc(nulls_last=True), "-arxiv_id")


class Paper(models.Model):
    """A paper, keyed by its arXiv id without version.

    Lists that are always read and written whole with the paper (authors in order,
    categories with the primary first, the version history, links) are JSON columns:
    one row per paper keeps ingest at thousands of records a second.
    """

    arxiv_id = models.CharField(max_length=40, unique=True)
    title = models.TextField()
    abstract = models.TextField(blank=True)
    authors: models.JSONField[list[str], list[str]] = models.JSONField(default=list, blank=True)
    categories: models.JSONField[list[str], list[str]] = models.JSONField(
        default=list, blank=True, help_text="arXiv categories, primary first"
    )
    primary_category = models.CharField(max_length=32, blank=True, db_index=True)
    versions: models.JSONField[list[dict[str, Any]], list[dict[str, Any]]] = models.JSONField(
        default=list, blank=True, help_text='[{"version": 1, "created": "2024-01-02T03:04:05Z"}]'
    )
    latest_version = models.PositiveSmallIntegerField(null=True, blank=True)
    published = models.DateTimeField(null=True, blank=True, help_text="first version")
    updated = models.DateTimeField(null=True, blank=True, help_text="latest version")
    listing_date = models.DateField(
        null=True, blank=True, help_text="first day in arXiv's daily 'new' listing"
    )
    announced_on = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text="the paper's day: its listing day when known, else its first version's date",
    )
    doi = models.CharField(max_length=255, blank=True)
    journal_ref = models.TextField(blank=True)
    comments = models.TextField(blank=True)
    license = models.CharField(max_length=255, blank=True)
    report_no = models.TextField(blank=True)
    links: models.JSONField[list[dict[str, str]], list[dict[str, str]]] = models.JSONField(
        default=list, blank=True, help_text='[{"kind": "github", "url": "https://github.com/..."}]'
    )

    # Community: the day's list it was submitted to, by whom, and its votes.
    daily_date = models.DateField(null=True, blank=True, db_index=True)
    submitted_by = models.CharField(max_length=150, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    upvotes = models.IntegerField(default=0, help_text="votes counted by the source (Hugging Face)")
    # This site's own votes, kept in step with community.Vote by the vote code.
    votes = models.IntegerField(default=0, help_text="votes cast on this site")
    vote_weight = models.FloatField(
        default=0.0, help_text="this site's votes, a new account's counting less"
    )
    organization = models.CharField(max_length=150, blank=True)

    # The terms author: and cat: filters match (catalogue.keys), derived from authors and
    # categories whenever they are written (save() here; ingest's merge).
    match_keys: models.JSONField[list[str], list[str]] = models.JSONField(
        default=list, blank=True, editable=False
    )

    hidden = models.BooleanField(default=False, help_text="moderation: hidden from every list")
    sources: models.JSONField[list[str], list[str]] = models.JSONField(default=list, blank=True)
    # Digests of the raw records last merged in: an unchanged re-import is skipped cheaply.
    fingerprints: models.JSONField[list[str], list[str]] = models.JSONField(
        default=list, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-announced_on", "-arxiv_id"]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_keys()
        fields = kwargs.get("update_fields")
        if fields is not None and {"authors", "categories"} & set(fields):
            kwargs["update_fields"] = {*fields, "match_keys"}
        super().save(*args, **kwargs)

    def refresh_keys(self) -> None:
        self.match_keys = paper_keys(self.authors, self.categories)

    @property
    def points(self) -> int:
        """The vote count people see: the source's and this site's."""
        return self.upvotes + self.votes

    @property
    def day(self) -> date | None:
        """The day's list the paper belongs to: the day it was submitted to, else its day."""
        return self.daily_date or self.announced_on

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def code_url(self) -> str | None:
        for link in self.links:
            if link.get("kind") in CODE_KINDS:
                return link.get("url")
        return None
