"""Builders for the digest tests: confirmed subscribers and a day of papers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.digests.models import Subscriber, Topic
from tests.conftest import Cli, shared

DAY = dt.date(2025, 3, 12)  # a Wednesday


def subscriber(
    email: str, *topics: str, frequency: str = "daily", trending: bool = True
) -> Subscriber:
    person = Subscriber.objects.create(
        email=email, frequency=frequency, include_trending=trending, confirmed_at=timezone.now()
    )
    Topic.objects.bulk_create([Topic(subscriber=person, query=q) for q in topics])
    return person


def paper(
    arxiv_id: str, title: str, *, day: dt.date = DAY, upvotes: int = 0, **fields: object
) -> Paper:
    values: dict[str, object] = {
        "abstract": f"About {title.lower()}.",
        "authors": ["Ada Lovelace"],
        "categories": ["cs.LG"],
        "primary_category": "cs.LG",
        "announced_on": day,
        "upvotes": upvotes,
    }
    values.update(fields)
    return Paper.objects.create(arxiv_id=arxiv_id, title=title, **values)


def real_day_with_subscribers(cli: Cli, tmp_path: Path, csv_rows: str) -> str:
    """A real Hugging Face day imported by the CLI, and subscribers imported from CSV rows."""
    day = "2026-08-21"
    folder = tmp_path / "daily"
    folder.mkdir()
    source = shared(f"hf-daily-papers/daily/{day}.json.gz")
    (folder / source.name).write_bytes(source.read_bytes())
    assert cli("import", "hf-daily", str(folder), "--no-progress").returncode == 0
    people = tmp_path / "list.csv"
    people.write_text("email,frequency,topics\n" + csv_rows)
    assert cli("subscribers", "import", str(people)).returncode == 0
    return day
