"""Every model of every installed app is either carried by a dump or left out with a reason;
a model added later is carried without anyone editing paperwire.moving."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from paperwire.moving import EXCLUDED, plan
from paperwire.moving.tables import NATURAL_KEYS, NotCovered


def test_every_model_is_carried_or_excluded_with_a_reason() -> None:
    carried = {table.label for table in plan().tables}
    every = {m._meta.label for m in apps.get_models(include_auto_created=True) if not m._meta.proxy}
    assert carried | set(EXCLUDED) == every
    assert not carried & set(EXCLUDED)
    assert all(len(reason) > 20 for reason in EXCLUDED.values())
    # What users made is carried, including the many-to-many tables Django makes itself.
    assert {"catalogue.Paper", "auth.User", "auth.User_groups", "search.Embedding",
            "account.EmailAddress", "socialaccount.SocialAccount", "sessions.Session",
            "digests.Received", "groups.SharedItem", "discussion.Revision"} <= carried  # fmt: skip


def test_a_table_comes_after_the_tables_it_points_to() -> None:
    seen: set[str] = set()
    carried = {table.label for table in plan().tables}
    for table in plan().tables:
        for field in table.model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and target is not None and not isinstance(target, str):
                label = target._meta.label
                if label in carried and label != table.label:
                    assert label in seen, f"{table.label} before {label}"
        seen.add(table.label)


def test_references_to_left_out_tables_are_written_by_natural_key() -> None:
    """An id of a table the dump leaves out would mean nothing in the target."""
    for table in plan().tables:
        for field in table.model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and isinstance(target, type) and target._meta.label in EXCLUDED:
                assert target._meta.label in NATURAL_KEYS, f"{table.label}.{field.name}"
                kind = next(c.kind for c in table.columns if c.name == field.attname)
                assert kind == target._meta.label


def test_binary_json_and_time_columns_are_written_by_kind() -> None:
    embedding = plan().table("search.Embedding")
    assert embedding is not None
    assert {c.name: c.kind for c in embedding.columns} == {
        "paper_id": "plain", "model": "plain", "content_hash": "plain", "vector": "binary",
        "encoded_at": "datetime", "checked_at": "datetime",
    }  # fmt: skip


def test_a_table_no_migration_manages_must_be_decided_on() -> None:
    with isolate_apps("paperwire.moving") as isolated:

        class Outside(models.Model):
            name = models.TextField()

            class Meta:
                app_label = "moving"
                managed = False

            def __str__(self) -> str:
                return self.name

        with pytest.raises(NotCovered, match=r"moving\.Outside is not managed by migrations"):
            plan(isolated)  # type: ignore[arg-type]  # isolate_apps yields its registry
