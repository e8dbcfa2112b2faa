"""Small builders for the site's tests: papers and accounts with only what a test cares about."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from paperwire.catalogue.models import Paper

_serial = iter(range(1, 1_000_000))


def paper(**fields: Any) -> Paper:
    n = next(_serial)
    values: dict[str, Any] = {
        "arxiv_id": f"2501.{n:05d}",
        "title": f"Paper number {n}",
        "abstract": f"The abstract of paper {n}.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.LG"],
        "primary_category": "cs.LG",
        "announced_on": dt.date(2025, 1, 15),
    }
    values.update(fields)
    return Paper.objects.create(**values)


def account(
    email: str = "reader@example.org", *, age: dt.timedelta = dt.timedelta(days=30)
) -> User:
    user = User.objects.create_user(username=email, email=email)
    user.date_joined = timezone.now() - age
    user.save(update_fields=["date_joined"])
    return user
