"""Papers already imported get their day by arXiv's schedule (``catalogue.days``).

A paper with a listing day keeps it. One without (arXiv API, OAI-PMH, Kaggle and Hugging
Face records) but with a first-version time was given that time's date; it now gets
``announcement_day`` of it, as ingest gives new papers. Only papers whose day changes are
written, a batch at a time (keyset on the primary key), and their ``modified_at`` moves to
now in the same update so that the search index, which re-reads papers by a ``modified_at``
watermark, picks up the new day.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

from paperwire.catalogue.days import announcement_day

BATCH = 5000


def backfill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Paper = apps.get_model("catalogue", "Paper")
    undated = Paper.objects.using(schema_editor.connection.alias).filter(
        listing_date__isnull=True, published__isnull=False
    )
    last = 0
    while True:
        rows = list(
            undated.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "arxiv_id", "published", "announced_on")[:BATCH]
        )
        if not rows:
            return
        now = timezone.now()
        changed = []
        for paper in rows:
            day = announcement_day(paper.published, arxiv_id=paper.arxiv_id)
            if paper.announced_on != day:
                paper.announced_on = day
                paper.modified_at = now
                changed.append(paper)
        Paper.objects.using(schema_editor.connection.alias).bulk_update(
            changed, ["announced_on", "modified_at"], batch_size=1000
        )
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_match_keys")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
