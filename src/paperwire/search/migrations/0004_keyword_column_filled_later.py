"""PostgreSQL full text: ``search_tsv`` becomes a plain column, filled in batches after writes.

Why: as a generated column it was computed, and its GIN index updated, inside every write.
A bulk ``COPY`` of 50,000 Kaggle records took the server 22 s with it and 3 s without it
(PostgreSQL 15, this machine): ``to_tsvector`` of the abstracts (about 110 us a paper) and,
above all, inserting each paper's lexemes into the GIN index one row at a time. An import
went no faster than that. Since the index backend (each node's own tantivy index) answers
keyword searches in the PostgreSQL mode, the column is read only by the ``postgres`` backend
and by a new node's fallback, and it can be filled after the rows are written.

What this does, on PostgreSQL only (a no-op on SQLite):

* ``DROP EXPRESSION``: the column keeps the values it has and is written no more by itself
  (PostgreSQL >= 13; no table rewrite). Rows written from now on leave it NULL.
* A trigger sets it back to NULL when a row's title, abstract or authors change, whoever
  writes them (ingest, the admin, a single add, ``load``), so a stale tsvector is never kept.
  It fires only for UPDATEs that name those columns and only when one of them really changed;
  the fill itself sets only ``search_tsv`` and so never fires it.
* A partial index of the rows that are owed (``WHERE search_tsv IS NULL``), so that finding
  the next batch to fill costs an index range however large the catalogue and however
  scattered the owed rows are.
* The GIN index's pending list raised from 4 MB to 64 MB: filled rows' lexemes are appended
  to it and merged in big sorted runs. Measured on 50,000 papers: the fill's UPDATE took 24 s
  with 4 MB, 15 s with 64 MB (an index built from scratch after the UPDATE: 18 s in all). The
  filler empties the list when it finishes (``gin_clean_pending_list``) so that searches do
  not scan a long one.

The one home of the tsvector expression (weights: title A, authors B, abstract C) is
``paperwire.search.backends.postgres.fill_keyword_column``; migration 0002 wrote the same one.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "catalogue_paper"
COLUMN = "search_tsv"
GIN_INDEX = "catalogue_paper_search_tsv_gin"
OWED_INDEX = "catalogue_paper_search_tsv_owed"
TRIGGER = "catalogue_paper_search_tsv_owed"
FUNCTION = "catalogue_paper_search_tsv_owed"
PENDING_LIST_KB = 64 * 1024

FORWARD = [
    f"ALTER TABLE {TABLE} ALTER COLUMN {COLUMN} DROP EXPRESSION IF EXISTS",
    f"CREATE INDEX IF NOT EXISTS {OWED_INDEX} ON {TABLE} (id) WHERE {COLUMN} IS NULL",
    f"ALTER INDEX {GIN_INDEX} SET (fastupdate = on, gin_pending_list_limit = {PENDING_LIST_KB})",
    f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.{COLUMN} := NULL;
        RETURN NEW;
    END
    $$
    """,
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"""
    CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF title, abstract, authors ON {TABLE}
    FOR EACH ROW WHEN (
        OLD.title IS DISTINCT FROM NEW.title
        OR OLD.abstract IS DISTINCT FROM NEW.abstract
        OR OLD.authors IS DISTINCT FROM NEW.authors
    ) EXECUTE FUNCTION {FUNCTION}()
    """,
]

# Back to migration 0002's generated column: it cannot be made generated again in place, so it
# is dropped and added anew (every row computed once, as 0002 did).
BACKWARD = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
    f"DROP INDEX IF EXISTS {OWED_INDEX}",
    f"DROP INDEX IF EXISTS {GIN_INDEX}",
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
    from importlib import import_module

    fulltext = import_module("paperwire.search.migrations.0002_postgres_fulltext")
    _run([*BACKWARD, *fulltext.FORWARD], schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_embeddingclaim"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
