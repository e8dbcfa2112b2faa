"""NameKey's paper column loses its own index: the unique (paper, term) index serves the same
lookups. Dropped by name as the database reports it, not by ``AlterField``, which on SQLite
would copy the whole table into a new one."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def drop_paper_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    table = "community_namekey"
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and info["columns"] == ["paper_id"]:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def add_paper_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(
        "CREATE INDEX community_namekey_paper_id_21420b76 ON community_namekey (paper_id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0005_neighbour_days"),
        ("community", "0002_people_follows_claims"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="namekey",
                    name="paper",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalogue.paper",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_paper_index, add_paper_index)],
        ),
    ]
