"""Read a dump into this paperwire's database: all of it in one transaction, or nothing."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import TextIOBase
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from tqdm import tqdm

from paperwire.dbutil import insert_rows
from paperwire.moving.fileformat import DumpRefused, Lines, check_header, sections
from paperwire.moving.tables import DECODERS, NATURAL_KEYS, Plan, Table, plan

BATCH = 2000  # rows one executemany writes
# PostgreSQL: a table this large is loaded without its secondary indexes, which are then built
# once: growing a GIN or B-tree row by row is many times slower than building it in bulk.
BULK_ROWS = 10_000
Key = tuple[str, str]


@dataclass
class LoadSummary:
    path: str
    vendor: str  # the dump's
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    migrated_after: bool = False  # an older dump: the code's newer migrations ran after it

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def occupied(tables: Plan | None = None) -> list[str]:
    """The carried tables that already hold rows in this database."""
    existing = set(connection.introspection.table_names())
    found = []
    for table in (tables or plan()).tables:
        if table.model._meta.db_table in existing and table.model._base_manager.exists():
            found.append(table.label)
    return found


def load(
    source: Path | str,
    *,
    replace: bool = False,
    progress: bool = True,
    out: TextIOBase | None = None,
) -> LoadSummary:
    """Load the dump at ``source``. Refuses (DumpRefused) a file that is not a dump, one from
    a newer paperwire, and a database that already holds data unless ``replace``."""
    started = time.monotonic()
    with Lines(source) as lines:
        header = check_header(lines.next(), lines.path)
        targets, complete = _migration_targets(header["migrations"], lines.path)
        if not replace:
            busy = occupied()
            if busy:
                raise DumpRefused(
                    f"the database already holds data ({_named(busy)}): load into an empty "
                    "database, or pass --replace to delete everything in it first"
                )
        registry = _migrate_to(targets, complete)
        tables = plan(registry)
        summary = LoadSummary(lines.path, header["vendor"], migrated_after=not complete)
        try:
            _load_all(lines, header, tables, registry, summary, replace, progress, out)
        except DatabaseError as exc:
            raise DumpRefused(
                f"the database refused the load, nothing was loaded: {_first(exc)}"
            ) from None
    if not complete:
        call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics: the planner's guesses need them
    summary.seconds = time.monotonic() - started
    return summary


def _load_all(
    lines: Lines,
    header: dict[str, Any],
    tables: Plan,
    registry: Apps,
    summary: LoadSummary,
    replace: bool,
    progress: bool,
    out: TextIOBase | None,
) -> None:
    """Every row in one transaction: a refused line or row leaves the database as it was."""
    with transaction.atomic():
        if replace:
            _clear(tables)
        naturals = _Naturals(registry)
        seen: set[str] = set()
        for section, number in sections(lines):
            label = section["model"]
            table = tables.table(label)
            if table is None or label in seen:
                what = "twice" if label in seen else "but this paperwire has no such model"
                raise DumpRefused(f"{lines.path}, line {number}: {label} appears {what}")
            seen.add(label)
            with _indexes_built_after(table, section["rows"]):
                summary.counts[label] = _load_table(
                    lines, table, section["fields"], section["rows"], naturals, progress, out
                )
        if summary.counts != header["counts"]:
            raise DumpRefused(f"{lines.path}: the tables read differ from the header's list")
        if not lines.at_end():
            raise DumpRefused(f"{lines.path}: lines follow the closing line")
        _reset_sequences(tables)
        _mark_search_stale(registry)


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _named(labels: list[str]) -> str:
    shown = ", ".join(labels[:4])
    return shown + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")


# -- migrations ---------------------------------------------------------------------------


def _migration_targets(applied: dict[str, list[str]], path: str) -> tuple[list[Key], bool]:
    """The migration each app is at in the dump, and whether that is all the code has.

    Refuses a dump with a migration this code does not know: it was made by a newer paperwire,
    and its tables may have columns this code cannot place."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    graph = loader.graph
    known = set(graph.nodes)
    keys: set[Key] = set()
    for app, names in applied.items():
        if not isinstance(names, list):
            raise DumpRefused(f"{path}, line 1: the migrations of {app!r} are not a list")
        for name in names:
            key = (app, name)
            if key in known:
                keys.add(key)
            elif key not in loader.replacements and not _replaced(loader, key):
                raise DumpRefused(
                    f"{path} comes from a newer paperwire: migration {app}.{name} is unknown "
                    "here; upgrade paperwire, then load it"
                )
    targets: list[Key] = []
    for app in sorted(loader.migrated_apps):
        mine = {k for k in keys if k[0] == app}
        # The app's newest migration in the dump: none of its children in the app is there.
        leaves = [
            k
            for k in mine
            if not any(c.key in mine for c in graph.node_map[k].children if c.key[0] == app)
        ]
        targets.append(max(leaves) if leaves else (app, None))  # type: ignore[arg-type]
    complete = set(targets) == set(graph.leaf_nodes()) | {
        (app, None) for app in loader.migrated_apps if not any(k[0] == app for k in graph.nodes)
    }
    return targets, complete


def _replaced(loader: MigrationLoader, key: Key) -> bool:
    """Whether a squashed migration here stands for ``key``."""
    return any(key in squashed.replaces for squashed in loader.replacements.values())


def _migrate_to(targets: list[Key], complete: bool) -> Apps:
    """Bring the schema to the dump's state; the models as they were then."""
    if complete:
        call_command("migrate", verbosity=0, interactive=False)
        return global_apps
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(targets)
    except Exception as exc:  # an irreversible migration on a database ahead of the dump
        raise DumpRefused(
            f"cannot bring this database back to the dump's migrations ({exc}): load into a "
            "new, empty database"
        ) from None
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


# -- rows ---------------------------------------------------------------------------------


class _Naturals:
    """Finds (or makes) the target's content type or permission for a natural key."""

    def __init__(self, registry: Apps) -> None:
        self.registry = registry
        self.cache: dict[str, dict[tuple[str, ...], int]] = {label: {} for label in NATURAL_KEYS}

    def __call__(self, label: str) -> Callable[[Any], int]:
        cache = self.cache[label]

        def find(value: Any) -> int:
            key = tuple(value)
            if key not in cache:
                cache[key] = self._find(label, key)
            return cache[key]

        return find

    def _find(self, label: str, key: tuple[str, ...]) -> int:
        types = self.registry.get_model("contenttypes", "ContentType")
        if label == "contenttypes.ContentType":
            app_label, model = key
            return int(types.objects.get_or_create(app_label=app_label, model=model)[0].pk)
        app_label, model, codename = key
        kind = self._find("contenttypes.ContentType", (app_label, model))
        permissions = self.registry.get_model("auth", "Permission")
        made, _ = permissions.objects.get_or_create(
            content_type_id=kind, codename=codename, defaults={"name": codename}
        )
        return int(made.pk)


def _load_table(
    lines: Lines,
    table: Table,
    fields: list[Any],
    count: int,
    naturals: _Naturals,
    progress: bool,
    out: TextIOBase | None,
) -> int:
    where = f"{lines.path}, line {lines.number}"
    if sorted(map(str, fields)) != sorted(table.names):
        missing = sorted(set(table.names) - set(fields))
        extra = sorted(set(map(str, fields)) - set(table.names))
        raise DumpRefused(
            f"{where}: the columns of {table.label} differ from this paperwire's "
            f"(missing {missing or 'none'}, unknown {extra or 'none'})"
        )
    kinds = {c.name: c.kind for c in table.columns}
    decoders: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(fields):
        kind = kinds[name]
        if kind in DECODERS:
            decoders.append((i, DECODERS[kind]))
        elif kind in NATURAL_KEYS:
            decoders.append((i, naturals(kind)))
    width = len(fields)
    batch: list[list[Any]] = []
    with tqdm(total=count, desc=table.label, unit="row", unit_scale=True,
              disable=not progress or count == 0, file=out or sys.stderr) as bar:  # fmt: skip
        for _ in range(count):
            row = lines.next()
            if not isinstance(row, list) or len(row) != width:
                raise DumpRefused(
                    f"{lines.path}, line {lines.number}: expected a row of {table.label} "
                    f"({width} values)"
                )
            for i, decode in decoders:
                if row[i] is not None:
                    try:
                        row[i] = decode(row[i])
                    except (ValueError, TypeError, KeyError) as exc:
                        raise DumpRefused(
                            f"{lines.path}, line {lines.number}: {table.label}.{fields[i]}: "
                            f"{row[i]!r} cannot be read ({exc})"
                        ) from None
            batch.append(row)
            if len(batch) == BATCH:
                _insert(table, fields, batch, lines)
                bar.update(len(batch))
                batch = []
        if batch:
            _insert(table, fields, batch, lines)
            bar.update(len(batch))
    return count


def _insert(table: Table, fields: list[str], rows: list[list[Any]], lines: Lines) -> None:
    try:
        insert_rows(table.model, fields, rows)
    except DatabaseError as exc:
        raise DumpRefused(
            f"{lines.path}, the rows of {table.label} before line {lines.number + 1} "
            f"cannot be stored: {_first(exc)}"
        ) from None


# -- before and after ---------------------------------------------------------------------


def _clear(tables: Plan) -> None:
    """--replace: every carried table emptied, and the derived search state with them."""
    existing = set(connection.introspection.table_names())
    names = [t.model._meta.db_table for t in tables.tables if t.model._meta.db_table in existing]
    statements = connection.ops.sql_flush(
        no_style(), names, reset_sequences=False, allow_cascade=True
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            # PostgreSQL's derived vector table (search.backends.postgres): rebuilt, never kept.
            cursor.execute("DROP TABLE IF EXISTS search_pgvector, search_pgvector_build")


@contextlib.contextmanager
def _indexes_built_after(table: Table, rows: int) -> Iterator[None]:
    """PostgreSQL, a large table: its secondary indexes dropped for the load and made again
    from their own definitions after it (in the same transaction: a failed load keeps them).
    Indexes that enforce uniqueness stay, so a duplicate is refused at its row."""
    if connection.vendor != "postgresql" or rows < BULK_ROWS:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = %s::regclass AND NOT indisunique AND NOT indisprimary",
            [connection.ops.quote_name(table.model._meta.db_table)],
        )
        indexes = cursor.fetchall()
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")  # a name PostgreSQL itself gave, quoted
    yield
    with connection.cursor() as cursor:
        # PostgreSQL will not build an index on a table with foreign-key checks still waiting
        # for the commit: run them now (the tables they point to are loaded already).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for _, definition in indexes:
            cursor.execute(definition)


def _reset_sequences(tables: Plan) -> None:
    """Ids were written as they were: the next row made must take the next free one.
    (SQLite's AUTOINCREMENT follows inserted ids by itself; PostgreSQL's sequences do not.)"""
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables.tables])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _mark_search_stale(registry: Apps) -> None:
    """A new identity for this database, and both indexes named as to be rebuilt: index files
    built from any other database are then refused as stale, and `paperwire reindex` (even
    with --if-needed) rebuilds them from the start."""
    from paperwire.search import mark_indexes_stale

    mark_indexes_stale(registry.get_model("search", "SearchMeta"))
