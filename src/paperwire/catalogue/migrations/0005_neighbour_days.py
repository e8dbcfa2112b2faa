"""Papers already imported get the id-order correction ingest now applies (``catalogue.redate``).

Every month with a new-scheme id is re-dated once; only papers whose day changes are written,
with ``modified_at`` moved so that the search index picks up the new day.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from paperwire.catalogue.days import id_place
from paperwire.catalogue.redate import redate_months

BATCH = 20_000


def backfill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Paper = apps.get_model("catalogue", "Paper")
    papers = Paper.objects.using(schema_editor.connection.alias)
    months: set[str] = set()
    last = 0
    while True:
        rows = list(papers.filter(pk__gt=last).order_by("pk").values_list("pk", "arxiv_id")[:BATCH])
        if not rows:
            break
        months.update(place[0] for _, arxiv_id in rows if (place := id_place(arxiv_id)))
        last = rows[-1][0]
    redate_months(months, model=Paper)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_announcement_days")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
