"""The database schema is brought up to date on first use, so no command needs `init` first."""

from __future__ import annotations

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations(using: str = DEFAULT_DB_ALIAS) -> int:
    connection = connections[using]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_schema(using: str = DEFAULT_DB_ALIAS) -> int:
    """Apply any unapplied migration; return how many were applied."""
    pending = pending_migrations(using)
    if pending:
        call_command("migrate", database=using, verbosity=0, interactive=False)
    return pending
