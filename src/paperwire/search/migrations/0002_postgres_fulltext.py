"""PostgreSQL full text: a generated, weighted tsvector on every paper and a GIN index on it.

Only on PostgreSQL (SQLite's lexical index is tantivy, beside the database). The column is
``GENERATED ALWAYS ... STORED``, so every write path — the ORM, ingest's raw ``INSERT`` that
lists the model's columns, an admin edit — keeps it current without triggers or a refresh
step. Django's model does not know the column, so it is never read back with the papers.

Weights: title A, authors B, abstract C (``search.backends.postgres`` ranks them).
Authors use the ``simple`` configuration (names are not English words: no stemming, no stop
words) over the JSON *document* (``to_tsvector(regconfig, jsonb)`` reads only the string
values, so the brackets and quotes never become lexemes and a phrase cannot run from one
author's surname into the next author's first name).

Storage MAIN keeps the tsvector (about 1.8 kB a paper) inside the row and lets the abstract
be the column moved out to TOAST: every search reads the tsvector of every match, so an
out-of-line one costs a TOAST lookup per match (a common word over 75k real papers: 340 ms
to find the matches out of line, 95-135 ms in line). Set in the same ALTER as the column, so the
one table rewrite already lays rows out that way.

Needs no extension: it runs on any PostgreSQL >= 12. pgvector is not created here (it is
optional; the vector table is made by the backend when it is first needed).
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "catalogue_paper"
COLUMN = "search_tsv"
INDEX = "catalogue_paper_search_tsv_gin"

FORWARD = [
    f"""
    ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {COLUMN} tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(authors, '[]'::jsonb)), 'B')
        || setweight(to_tsvector('english', coalesce(abstract, '')), 'C')
    ) STORED,
    ALTER COLUMN {COLUMN} SET STORAGE MAIN
    """,
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING gin ({COLUMN})",
    # The rewrite leaves the new column without statistics until autovacuum gets to it;
    # without them the planner guesses match counts 30x off and picks worse plans.
    f"ANALYZE {TABLE}",
]
BACKWARD = [
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {COLUMN}",
]


def _run(statements: list[str], schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def forward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(FORWARD, schema_editor)


def backward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(BACKWARD, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("catalogue", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
