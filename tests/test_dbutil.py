"""Bulk inserts (one executemany, COPY on PostgreSQL) store what the ORM would store, on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField

from paperwire.catalogue.models import Paper
from paperwire.dbutil import insert_rows
from paperwire.digests.models import Delivery, Digest, Received, Subscriber

pytestmark = pytest.mark.django_db

AT = dt.datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=dt.UTC)


def _raw(arxiv_id: str) -> dict[str, Any]:
    """The paper's row as the database holds it, no field turning it back into Python; JSON
    parsed (the ORM writes it spaced and ASCII-escaped, insert_rows compact: the same JSON)."""
    quote = connection.ops.quote_name
    fields = Paper._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(Paper._meta.db_table)} WHERE arxiv_id = %s",  # noqa: S608
            [arxiv_id],
        )
        row = cursor.fetchone()
    assert row is not None
    return {
        f.column: json.loads(v) if isinstance(f, JSONField) and isinstance(v, str) else v
        for f, v in zip(fields, row, strict=True)
    }


def test_json_dates_and_times_are_stored_as_the_orm_stores_them():
    values = {
        "title": "T",
        "authors": ["Ada Lovelace", "Émilie du Châtelet"],
        "links": [{"kind": "github", "url": "https://github.com/a/b"}],
        "published": AT,
        "announced_on": dt.date(2025, 3, 4),
        "latest_version": 2,
        "hidden": True,
        "vote_weight": 1.5,
    }
    created = Paper.objects.create(arxiv_id="2503.00001", **values)
    fields = [f for f in Paper._meta.concrete_fields if not f.primary_key]
    row = [getattr(created, f.attname) for f in fields]
    row[[f.name for f in fields].index("arxiv_id")] = "2503.00002"
    insert_rows(Paper, [f.name for f in fields], [row])
    created.refresh_from_db()
    inserted = Paper.objects.get(arxiv_id="2503.00002")
    for name in values:
        assert getattr(inserted, name) == getattr(created, name), name
    orm_row, our_row = _raw("2503.00001"), _raw("2503.00002")
    assert {c for c in orm_row if orm_row[c] != our_row[c]} == {"id", "arxiv_id"}


def test_foreign_keys_by_id_and_conflicts_skipped_when_asked():
    paper = Paper.objects.create(arxiv_id="2503.00001", title="T")
    reader = Subscriber.objects.create(email="reader@example.org")
    digest = Digest.objects.create(
        subscriber=reader,
        frequency="daily",
        period_start=dt.date(2025, 3, 3),
        period_end=dt.date(2025, 3, 3),
        items=[],
    )
    rows = [(reader.pk, paper.pk, digest.pk)]
    insert_rows(Received, ("subscriber", "paper", "digest"), rows, ignore_conflicts=True)
    insert_rows(Received, ("subscriber", "paper", "digest"), rows, ignore_conflicts=True)
    assert list(Received.objects.values_list("subscriber", "paper", "digest")) == rows
    fields = ("digest", "email", "kind", "at", "outcome", "code", "detail")
    insert_rows(Delivery, fields, [(digest.pk, reader.email, "digest", AT, "sent", None, "")])
    log = Delivery.objects.get()
    assert (log.digest_id, log.at, log.code) == (digest.pk, AT, None)


def test_nothing_to_insert_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_rows(Received, ("subscriber", "paper", "digest"), [])


def test_a_row_breaking_a_unique_constraint_is_an_integrity_error_and_inserts_nothing():
    # On PostgreSQL the rows go in by COPY: callers see the error an INSERT gives.
    Paper.objects.create(arxiv_id="2503.00001", title="T")
    rows = [("2503.00002", "New"), ("2503.00001", "Again")]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Paper, ["arxiv_id", "title"], rows)
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2503.00001"]
