"""What the personal ranking stores: one trained model per reader, and the shared term
statistics (idf) every model's term features are weighed with.

Both are derived data: they are rebuilt from the catalogue and the readers' signals at any
time (``retrain``), so losing them loses nothing but the time to train again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StoredModel(models.Model):
    """A reader's trained ranking model (``paperwire.foryou.model.ReaderModel.to_bytes``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="foryou_model",
    )
    blob = models.BinaryField()
    trained_at = models.DateTimeField()
    # The reader's ``signals_changed_at`` this model learned from: a later change means the
    # model is due for a retrain (``train.retrain_due``).
    signals_at = models.DateTimeField(null=True, blank=True)
    positives = models.PositiveIntegerField(default=0)
    negatives = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "reader model"

    def __str__(self) -> str:
        return f"model of user {self.user_id}: {self.positives} positives, {len(self.blob)} bytes"


class TermStatistics(models.Model):
    """How many catalogue papers hold each hashed term: the idf of the term features.

    One row is current (the newest); it is refitted when the catalogue has grown well past
    the papers it counted (``features.term_space``)."""

    fitted_at = models.DateTimeField()
    papers = models.PositiveIntegerField(help_text="catalogue papers counted")
    catalogue_size = models.PositiveIntegerField(help_text="papers in the catalogue then")
    blob = models.BinaryField(help_text="zlib-compressed float32 idf per hashed term")

    class Meta:
        verbose_name_plural = "term statistics"
        get_latest_by = "fitted_at"

    def __str__(self) -> str:
        return f"idf of {self.papers} papers ({self.fitted_at:%Y-%m-%d})"
