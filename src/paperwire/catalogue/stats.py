"""Counts over the catalogue: totals, by category, by day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, Q

from paperwire.catalogue.models import Paper


def catalogue_stats(days: int = 30, categories: int | None = 30) -> dict[str, Any]:
    totals = Paper.objects.aggregate(
        papers=Count("id"),
        hidden=Count("id", filter=Q(hidden=True)),
        upvoted=Count("id", filter=Q(upvotes__gt=0)),
        on_daily_lists=Count("id", filter=Q(daily_date__isnull=False)),
        first_day=Min("announced_on"),
        last_day=Max("announced_on"),
    )
    by_day = (
        Paper.objects.filter(announced_on__isnull=False)
        .values("announced_on")
        .annotate(n=Count("id"))
        .order_by("-announced_on")[:days]
    )
    return {
        "papers": totals["papers"],
        "hidden": totals["hidden"],
        "upvoted": totals["upvoted"],
        "on_daily_lists": totals["on_daily_lists"],
        "first_day": _iso(totals["first_day"]),
        "last_day": _iso(totals["last_day"]),
        "by_category": _by_category(categories),
        "by_primary_category": _by_primary(categories),
        "by_day": {row["announced_on"].isoformat(): row["n"] for row in by_day},
        "by_source": _by_json_list("sources", None),
    }


def _by_primary(limit: int | None) -> dict[str, int]:
    rows = (
        Paper.objects.exclude(primary_category="")
        .values("primary_category")
        .annotate(n=Count("id"))
        .order_by("-n", "primary_category")
    )
    if limit:
        rows = rows[:limit]
    return {row["primary_category"]: row["n"] for row in rows}


def _by_category(limit: int | None) -> dict[str, int]:
    """Every category a paper is listed in, cross-lists included."""
    return _by_json_list("categories", limit)


def _by_json_list(column: str, limit: int | None) -> dict[str, int]:
    # Only our own table and column names are spliced in (quoted); the limit is a parameter.
    table = connection.ops.quote_name(Paper._meta.db_table)
    col = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        source = f"SELECT jsonb_array_elements_text({col}) AS item FROM {table}"  # noqa: S608
    else:
        source = f"SELECT j.value AS item FROM {table}, json_each({table}.{col}) AS j"  # noqa: S608
    sql = f"SELECT item, COUNT(*) AS n FROM ({source}) AS items GROUP BY item ORDER BY n DESC, item"  # noqa: S608
    params: list[int] = []
    if limit:
        sql += " LIMIT %s"
        params.append(int(limit))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {str(item): int(n) for item, n in cursor.fetchall()}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
