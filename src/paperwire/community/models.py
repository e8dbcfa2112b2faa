"""What the community adds to the catalogue: votes and API tokens.

A paper's own counters (``Paper.votes``, ``Paper.vote_weight``) are kept in step with these
rows in the same transaction, so lists sort on an indexed column and never count rows.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from paperwire.catalogue.models import Paper


class Vote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="local_votes")
    # Fixed when the vote is cast (see trending.vote_weight): a new account's vote counts less.
    weight = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="one_vote_per_user_and_paper")
        ]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.paper.arxiv_id}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API's write endpoints. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=100, default="token")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="to tell tokens apart")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: object, name: str = "token") -> tuple[ApiToken, str]:
        """A new token and its secret, which is shown once and never stored."""
        raw = "pw_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=hash_token(raw), prefix=raw[:8])
        return token, raw


class NameKey(models.Model):
    """One (name, paper) pair: an author's or an organisation's papers by an indexed lookup.

    ``Paper.match_keys`` holds the same author terms (``catalogue.keys``), and PostgreSQL
    finds them through a GIN index; SQLite could only scan the JSON of every row, which at a
    million papers is seconds per author page. This table is that index for both databases,
    with the paper's day beside the term so a page of an author's newest papers is one range
    read. It is derived data: ``people.sync_names`` rebuilds the rows of papers changed since
    its last run (after every import, through ``papers_changed``), and ``paperwire people
    reindex`` rebuilds it whole.
    """

    # keys.author_term ("a:yang li") or ORG + name_key(organization) ("o:hugging face")
    term = models.CharField(max_length=300)
    # No index of its own: the unique (paper, term) constraint's index serves lookups by paper,
    # and a third index on a table of three rows per paper slows every bulk sync.
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(null=True)  # Paper.announced_on, for "newest first"

    class Meta:
        indexes = [models.Index(fields=["term", "-day", "-paper"], name="namekey_term_day")]
        constraints = [
            models.UniqueConstraint(fields=["paper", "term"], name="one_namekey_per_paper_term")
        ]

    def __str__(self) -> str:
        return f"{self.term} #{self.paper_id}"


class NameSync(models.Model):
    """How far ``NameKey`` has followed the catalogue: papers modified after ``upto`` are
    re-read by the next sync. One row."""

    upto = models.DateTimeField(null=True)
    last_pk = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"names synced up to {self.upto}"


class Kind(models.TextChoices):
    AUTHOR = "author", "author"
    ORG = "org", "organisation"


class Follow(models.Model):
    """A reader follows an author or an organisation, by the name's key (``name_key``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=300)  # name_key(name)
    name = models.CharField(max_length=300)  # as the reader first saw it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="one_follow_per_name")
        ]
        indexes = [models.Index(fields=["kind", "key"], name="follow_kind_key")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.kind} {self.name}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "waiting for a moderator"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


class Claim(models.Model):
    """A reader says they are an author: of every paper under a name, or of one paper.

    A moderator approves it in the admin, or it is approved at once when the reader's ORCID
    sign-in is the iD the paper's metadata names (``claims.orcid_matches``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    # An author-name claim has a name (and its key) and no paper; a paper claim has a paper
    # and the name on it the reader says is theirs (may be empty).
    name = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=300, blank=True, db_index=True)
    paper = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING, db_index=True
    )
    how = models.CharField(max_length=20, blank=True, help_text="moderator, orcid")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["user", "status"], name="claim_user_status")]

    def __str__(self) -> str:
        what = self.paper.arxiv_id if self.paper is not None else self.name
        return f"{self.user} claims {what} ({self.status})"

    @property
    def target(self) -> str:
        if self.paper is not None:
            return f"paper {self.paper.arxiv_id}" + (f" as {self.name}" if self.name else "")
        return f"author {self.name}"
