"""What a dump holds: every concrete model of every installed app, in an order that puts each
table after the tables it points to, and how each column is written.

The list is derived from the app registry, so a model added later is carried without a word
here; a model is left out only by naming it in ``EXCLUDED`` with the reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import models

# Left out, each with the reason. Everything else installed is carried. Not models, so not
# here: django_migrations (the target is migrated, the dump records the state), the search
# indexes on disk and PostgreSQL's derived vector table (rebuilt by `paperwire reindex`),
# Huey's queue (its own SQLite file or Redis: tasks in flight, not data) and the rate-limit
# counters (in the cache).
EXCLUDED: dict[str, str] = {
    "contenttypes.ContentType": (
        "made by `migrate` for the code's models, with ids of its own: a reference to one "
        "(the admin's log) is written as its app label and model name and found again"
    ),
    "auth.Permission": (
        "made by `migrate`: a reference to one (a staff account's or a staff group's "
        "permissions) is written as app label, model name and codename"
    ),
    "search.SearchMeta": (
        "facts about this database's derived indexes: the new database gets a new identity, "
        "so index files built from the old one are known to be stale, and is marked for "
        "`paperwire reindex`"
    ),
}

# Excluded tables that carried rows point to: written by these natural keys instead of ids.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "contenttypes.ContentType": ("app_label", "model"),
    "auth.Permission": ("content_type__app_label", "content_type__model", "codename"),
}

# How a column's value is written, by the field's internal type; the rest are JSON as they are
# (text, numbers, booleans, and JSONField values nested as JSON).
KINDS = {
    "DateTimeField": "datetime",
    "DateField": "date",
    "TimeField": "time",
    "BinaryField": "binary",
    "DecimalField": "decimal",
    "DurationField": "duration",
    "UUIDField": "uuid",
}

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    name: str  # the attname: ``paper_id`` for a foreign key, so rows are never joined
    kind: str  # plain, datetime, date, time, binary, decimal, duration, uuid, or a natural key


@dataclass(frozen=True)
class Table:
    label: str
    model: type[models.Model]
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Plan:
    tables: tuple[Table, ...]

    def table(self, label: str) -> Table | None:
        return next((t for t in self.tables if t.label == label), None)


class NotCovered(Exception):
    """A model that can be neither carried as it is nor is listed in EXCLUDED."""


def plan(registry: Apps = global_apps) -> Plan:
    """The tables a dump holds, each after the tables its foreign keys point to."""
    carried: list[type[models.Model]] = []
    for model in registry.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or meta.label in EXCLUDED:
            continue  # a proxy's rows are its concrete model's
        if not meta.managed:
            # Perhaps a view, or a table some other program owns: someone must decide.
            raise NotCovered(
                f"{meta.label} is not managed by migrations: carry it or list it in "
                "paperwire.moving.tables.EXCLUDED with the reason"
            )
        carried.append(model)
    tables = [Table(m._meta.label, m, _columns(m)) for m in _ordered(carried)]
    return Plan(tuple(tables))


def _columns(model: type[models.Model]) -> tuple[Column, ...]:
    columns = []
    for field in model._meta.concrete_fields:
        kind = "plain"
        if field.is_relation and field.related_model is not None:
            related = field.related_model._meta.label  # type: ignore[union-attr]
            if related in NATURAL_KEYS:
                kind = related
            else:
                target = field.target_field  # type: ignore[attr-defined]
                kind = KINDS.get(target.get_internal_type(), "plain")
        else:
            kind = KINDS.get(field.get_internal_type(), "plain")
        columns.append(Column(field.attname, kind))
    return tuple(columns)


def _ordered(carried: list[type[models.Model]]) -> list[type[models.Model]]:
    """Registry order, except that a table comes after every table it points to. A cycle
    (none today) keeps registry order: the load is one transaction and both databases check
    foreign keys at its commit, so any order loads."""
    labels = {m._meta.label: m for m in carried}
    needs = {
        label: {
            f.related_model._meta.label  # type: ignore[union-attr]
            for f in model._meta.concrete_fields
            if f.is_relation
            and f.related_model is not None
            and f.related_model._meta.label in labels  # type: ignore[union-attr]
            and f.related_model._meta.label != label  # type: ignore[union-attr]
        }
        for label, model in labels.items()
    }
    done: list[str] = []
    waiting = list(labels)
    while waiting:
        ready = next((lb for lb in waiting if needs[lb] <= set(done)), waiting[0])
        done.append(ready)
        waiting.remove(ready)
    return [labels[label] for label in done]


# -- values ------------------------------------------------------------------------------
# orjson writes datetimes (ISO 8601 with microseconds and the offset), dates, times and UUIDs
# itself; these are the kinds it cannot write, or cannot tell apart when read back.


def _b64(value: Any) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _micros(value: dt.timedelta) -> int:
    return value // dt.timedelta(microseconds=1)


ENCODERS: dict[str, Encode] = {"binary": _b64, "decimal": str, "duration": _micros}

DECODERS: dict[str, Decode] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "binary": lambda v: base64.b64decode(v, validate=True),
    "decimal": Decimal,
    "duration": lambda v: dt.timedelta(microseconds=v),
    "uuid": uuid.UUID,
}
