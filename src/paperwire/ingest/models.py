"""Ingest bookkeeping: where an interrupted import or harvest resumes."""

from __future__ import annotations

from django.db import models


class Checkpoint(models.Model):
    """The cursor of a long read, saved in the same transaction as the batch it follows.

    ``key`` names the read (the file and its size and mtime, or the harvest's parameters);
    ``cursor`` is the source's own resume position (a line number, a resumptionToken).
    The row is deleted when the read completes.
    """

    key = models.CharField(max_length=255, unique=True)
    label = models.TextField()
    cursor = models.TextField()
    records_done = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.label} @ {self.cursor}"
