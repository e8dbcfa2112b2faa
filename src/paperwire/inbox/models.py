"""A reader's notifications and their switches.

One ``Notification`` per reader and comment (a unique constraint): a comment that concerns a
reader in two ways (a reply to them on a paper they saved) is one notification, of the
strongest kind. ``in_inbox`` and ``mail_pending`` are decided once, from the reader's
``Preference`` when the comment is published: a kind turned off for the inbox still mails if
its mail is on, and the mail composer (``digests/notices.py``) takes the pending ones with a
conditional UPDATE, so each notification is mailed at most once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from paperwire.catalogue.models import Paper


class Kind(models.TextChoices):
    # In order of strength: a comment that qualifies twice is notified as the first that fits.
    REPLY = "reply", "a reply to your comment"
    AUTHORED = "authored", "a comment on a paper you authored"
    SAVED = "saved", "a comment on a paper you saved"


# The strength order above, as ranks (0 is the strongest).
STRENGTH: dict[str, int] = {kind.value: rank for rank, kind in enumerate(Kind)}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    comment = models.ForeignKey(
        "discussion.Comment", on_delete=models.CASCADE, related_name="notifications"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    in_inbox = models.BooleanField(default=True, help_text="shown in the reader's inbox")
    mail_pending = models.BooleanField(
        default=False, help_text="to be mailed; cleared when a notice mail takes it"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "comment"], name="one_notification_per_comment"
            )
        ]
        indexes = [
            # the unread count on every signed-in page and the inbox's newest-first list
            models.Index(fields=["recipient", "in_inbox", "read_at"], name="inbox_unread"),
            models.Index(fields=["recipient", "-created"], name="inbox_newest"),
            # the mail composer's queue: only the few pending rows are in it
            models.Index(
                fields=["recipient"],
                name="inbox_mail_pending",
                condition=models.Q(mail_pending=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: comment {self.comment_id}"


class Preference(models.Model):
    """A reader's switches for one kind; a kind without a row is on for both."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_preferences"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    inbox = models.BooleanField(default=True)
    mail = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind}: inbox {self.inbox}, mail {self.mail}"
