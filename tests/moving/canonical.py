"""A dump read back as plain values, for comparing two ends of a move."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson


def read(path: Path) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """(header, {model: [row as a field -> value dict, ...]}). JSON values compare by value,
    so PostgreSQL's jsonb key order does not matter; everything else must be equal exactly."""
    tables: dict[str, list[Any]] = {}
    with gzip.open(path, "rb") as lines:
        header = orjson.loads(next(lines))
        fields: list[str] = []
        rows: list[Any] = []
        for line in lines:
            value = orjson.loads(line)
            if isinstance(value, dict):
                if "model" in value:
                    fields, rows = value["fields"], []
                    tables[value["model"]] = rows
                continue
            rows.append(dict(zip(fields, value, strict=True)))
    return header, tables
