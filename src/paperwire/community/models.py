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
