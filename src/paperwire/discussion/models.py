"""Comments under papers, their earlier versions, their votes and the reports against them.

A comment's counters (``Comment.votes``) are kept in step with its ``CommentVote`` rows in
the same transaction, and its HTML is rendered once when its body is saved, so showing a
thread of any length is one query and no Markdown work.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from paperwire.catalogue.models import Paper
from paperwire.discussion.markdown import render

# Stored depth: 1 for a comment on the paper, at most MAX_DEPTH. A reply to a comment at
# MAX_DEPTH keeps its real parent (its author is told of the reply) but is stored, and shown,
# at MAX_DEPTH, right after what it answers: threads never become too narrow to read.
MAX_DEPTH = 4
MAX_BODY_CHARS = 10_000


class State(models.TextChoices):
    VISIBLE = "visible", "visible"
    HELD = "held", "held for a moderator"
    HIDDEN = "hidden", "hidden by a moderator"
    DELETED = "deleted", "deleted"


class Comment(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="discussion")
    # An account's removal (export/delete of a reader's data) leaves its replies' context.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    body = models.TextField(help_text="Markdown, as written")
    html = models.TextField(editable=False, help_text="rendered and sanitised when saved")
    state = models.CharField(max_length=8, choices=State.choices, default=State.VISIBLE)
    votes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Set once, by the conditional UPDATE that first makes the comment visible to everyone:
    # comment_published is sent only by the call whose UPDATE set it, so exactly once.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["paper", "state"], name="comment_paper_state"),
            models.Index(fields=["state", "created_at"], name="comment_state_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} on {self.paper_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The HTML follows the body wherever it is saved from (the site, the API, the admin).
        self.html = render(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "html"}
        super().save(*args, **kwargs)


class Revision(models.Model):
    """An earlier body of a comment, with the time it was written."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.comment_id} as of {self.written_at:%Y-%m-%d %H:%M}"


class CommentVote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="upvotes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "comment"], name="one_vote_per_user_and_comment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ▲ #{self.comment_id}"


class Reason(models.TextChoices):
    SPAM = "spam", "spam or advertising"
    ABUSE = "abuse", "abusive or harassing"
    OFF_TOPIC = "off-topic", "off topic"
    OTHER = "other", "something else"


class Report(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.OTHER)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Reporting again updates the reason: one reader cannot flood the queue.
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="one_report_per_user_and_comment"
            )
        ]
        indexes = [models.Index(fields=["resolved", "created_at"], name="report_open")]

    def __str__(self) -> str:
        return f"report on #{self.comment_id}: {self.get_reason_display()}"
