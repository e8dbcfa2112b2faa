"""A group of readers (a lab, a reading group): members, invitations, shared collections and a
reading queue. Everything here is visible to the group's members only.

The shared collections are the group's own rows, not library collections: a library
collection belongs to one reader (it shows in their library, its saves feed their personal
ranking, and the library refuses saves by anyone else), whereas a group's collection belongs to
the group, any member adds to it, and it outlives the member who made it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import slugify

from paperwire.catalogue.models import Paper


def slug_for(name: str) -> str:
    # allow_unicode keeps a name in any script addressable; "-" when nothing survives.
    return slugify(name, allow_unicode=True)[:80] or "-"


class Group(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "owner"
    MEMBER = "member", "member"


class Membership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_reader"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class Invitation(models.Model):
    """An invitation mailed to an address. The link signs this row's key with a timestamp
    (``invitations.py``); deleting the row, or accepting it, ends the link."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} to {self.group}"


class SharedCollection(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, allow_unicode=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "slug"], name="one_slug_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group} / {self.name}"


class SharedItem(models.Model):
    """A paper a member added to a group's collection."""

    collection = models.ForeignKey(SharedCollection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "paper"], name="a_paper_once_per_shared_collection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection}: {self.paper_id}"


class Proposal(models.Model):
    """A paper proposed for the group's next meeting. Marking it discussed takes it off the
    queue; proposing it again later puts it back with no votes."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="proposals")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField()
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "paper"], name="a_paper_once_per_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.paper_id}"


class QueueVote(models.Model):
    """One member's vote for one proposal: at most one each."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="one_queue_vote_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.proposal}"
