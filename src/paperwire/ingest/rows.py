"""Bulk inserts of new papers: one executemany a batch (``paperwire.dbutil.insert_rows``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.dbutil import insert_rows


def insert_papers(papers: Sequence[Paper]) -> None:
    if not papers:
        return
    fields = [f for f in Paper._meta.concrete_fields if not f.primary_key]
    # The ORM stamps auto_now(_add) fields on save; these rows bypass it, so stamp them here.
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for paper in papers:
                setattr(paper, field.attname, now)
    names = [f.attname for f in fields]
    insert_rows(
        Paper,
        [f.name for f in fields],
        ([getattr(paper, name) for name in names] for paper in papers),
    )
