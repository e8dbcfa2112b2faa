"""``Paper.match_keys``: the terms author: and cat: filters match (see catalogue.keys).

Existing papers get theirs computed here, a batch at a time. On PostgreSQL a GIN index lets
``match_keys ? 'a:yang li'`` find a name's papers without reading every row (SQLite's filters
run in its tantivy index, which holds the same terms).
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from paperwire.catalogue.keys import paper_keys

INDEX = "catalogue_paper_match_keys_gin"
BATCH = 5000


def backfill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Paper = apps.get_model("catalogue", "Paper")
    last = 0
    while True:
        rows = list(
            Paper.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "authors", "categories")[:BATCH]
        )
        if not rows:
            return
        for paper in rows:
            paper.match_keys = paper_keys(paper.authors, paper.categories)
        Paper.objects.bulk_update(rows, ["match_keys"], batch_size=1000)
        last = rows[-1].pk


def add_index(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalogue_paper USING gin (match_keys)"
        )


def drop_index(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0002_site_votes")]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="match_keys",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_index, drop_index),
    ]
