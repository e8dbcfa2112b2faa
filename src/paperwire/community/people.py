"""Authors and organisations: their papers, categories and frequent co-authors.

A name is matched whole and normalised (``catalogue.keys.name_key``: case and accents folded,
punctuation a space), never as a substring: "Yang Li" is not "Yang Liu". An author's papers
are those whose ``Paper.match_keys`` hold ``keys.author_term(name)``; an organisation's are
those whose ``Paper.organization`` has the same key as the name asked for.

Both are read through ``NameKey`` (one indexed row per name and paper, with the paper's day),
so a page of a prolific author's newest papers is one index range on SQLite and PostgreSQL
alike, at any catalogue size. The rows are derived: a saved paper updates its own at once
(``post_save``), an import's papers are picked up by ``sync_names`` when the import announces
``papers_changed``, and ``paperwire people reindex`` rebuilds them whole.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from paperwire.catalogue.keys import AUTHOR, name_key
from paperwire.catalogue.models import Paper
from paperwire.community.models import Kind, NameKey, NameSync
from paperwire.dbutil import insert_rows

ORG = "o:"
BATCH = 2_000
# Categories and co-authors are counted over the newest papers only: a name with 5,000
# papers must not make its page read them all, and what it does lately is what a reader asks.
# Measured on 200,000 papers (SQLite): 500 papers took 120 ms, most of it normalising the
# co-authors' names; 200 papers with each name normalised once take about 25 ms.
PROFILE_PAPERS = 200
TOP_CATEGORIES = 8
TOP_COAUTHORS = 12
# Re-read papers modified this long before the last sync's start: a write that committed
# while the sync ran, with an earlier timestamp, is not missed (re-reading is harmless).
SYNC_OVERLAP = dt.timedelta(minutes=5)


def term(kind: str, name: str) -> str:
    """The ``NameKey.term`` of an author's or an organisation's name ("" for no name)."""
    key = name_key(name)
    if not key:
        return ""
    return (AUTHOR if kind == Kind.AUTHOR else ORG) + key


def terms_of(match_keys: Iterable[str], organization: str) -> set[str]:
    """The terms one paper is found under."""
    terms = {t for t in match_keys or () if t.startswith(AUTHOR)}
    org = term(Kind.ORG, organization or "")
    if org:
        terms.add(org)
    return terms


def papers_of(kind: str, name: str) -> QuerySet[NameKey]:
    """The visible papers under a name, newest first, as ``NameKey`` rows (``paper_id``).

    Hidden papers have no rows (``index_papers``); the join on ``hidden`` still guards the
    moments before a hidden paper's rows are gone, and costs one primary-key lookup per row
    read: a page reads 31."""
    return (
        NameKey.objects.filter(term=term(kind, name), paper__hidden=False)
        .order_by("-day", "-paper_id")
        .only("paper_id", "day")
    )


def count_of(kind: str, name: str) -> int:
    """How many visible papers are under a name: read from the index alone (hidden papers
    have no rows), so a name with thousands of papers costs no join."""
    return NameKey.objects.filter(term=term(kind, name)).count()


def name_papers(kind: str, name: str, offset: int = 0, limit: int = 30) -> list[Paper]:
    """A page of the papers under a name, newest first."""
    ids = list(papers_of(kind, name).values_list("paper_id", flat=True)[offset : offset + limit])
    by_pk = Paper.objects.in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


@dataclass(frozen=True)
class Profile:
    """What an author's or an organisation's page says about the name."""

    kind: str
    name: str  # as the catalogue spells it most often (else as asked)
    key: str
    count: int  # visible papers
    categories: list[tuple[str, int]] = field(default_factory=list)
    coauthors: list[tuple[str, int]] = field(default_factory=list)  # for an org: its authors
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def profile(kind: str, name: str) -> Profile:
    """The name's paper count, its most frequent categories and co-authors (for an
    organisation: its most frequent authors), over its newest ``PROFILE_PAPERS`` papers."""
    key = name_key(name)
    rows = papers_of(kind, name)
    count = count_of(kind, name)
    if not count:
        return Profile(kind, " ".join(name.split()), key, 0)
    ids = list(rows.values_list("paper_id", flat=True)[:PROFILE_PAPERS])
    categories: Counter[str] = Counter()
    coauthors: Counter[str] = Counter()
    spellings: Counter[str] = Counter()
    spelled_as: dict[str, Counter[str]] = {}
    days: list[dt.date] = []
    keys: dict[str, str] = {}  # each spelling normalised once: most of the cost otherwise
    for authors, cats, org, day in Paper.objects.filter(pk__in=ids).values_list(
        "authors", "categories", "organization", "announced_on"
    ):
        categories.update(dict.fromkeys(cats or (), 1))
        if day is not None:
            days.append(day)
        if kind == Kind.ORG:
            spellings[" ".join((org or "").split())] += 1
        for author in authors or ():
            author_key = keys.get(author)
            if author_key is None:
                author_key = keys[author] = name_key(author)
            if kind == Kind.AUTHOR and author_key == key:
                spellings[author] += 1
                continue
            # Co-authors counted by key, shown as they are spelled most often.
            coauthors[author_key] += 1
            spelled_as.setdefault(author_key, Counter())[author] += 1
    coauthors.pop("", None)
    shown = spellings.most_common(1)[0][0] if spellings else " ".join(name.split())
    return Profile(
        kind,
        shown,
        key,
        count,
        categories.most_common(TOP_CATEGORIES),
        [(spelled_as[k].most_common(1)[0][0], n) for k, n in coauthors.most_common(TOP_COAUTHORS)],
        min(days) if days else None,
        max(days) if days else None,
    )


def index_papers(
    papers: Sequence[tuple[int, Any, str, dt.date | None, bool]], *, fresh: bool = False
) -> int:
    """Replace the ``NameKey`` rows of these ``(pk, match_keys, organization, day, hidden)``
    papers (``fresh``: they have none, skip the delete). A hidden paper gets none: no page
    lists it, and counts need no join."""
    if not papers:
        return 0
    rows = [
        (t, pk, day)
        for pk, keys, org, day, hidden in papers
        if not hidden
        for t in sorted(terms_of(keys or (), org))
        if len(t) <= 300
    ]
    with transaction.atomic():
        if not fresh:
            NameKey.objects.filter(paper_id__in=[p[0] for p in papers]).delete()
        # One executemany, COPY on PostgreSQL (dbutil.insert_rows): bulk_create costs 20 times as
        # much per row, which a full rebuild of millions of rows feels.
        insert_rows(NameKey, ["term", "paper", "day"], rows)
    return len(papers)


def sync_names(full: bool = False) -> int:
    """Bring ``NameKey`` up to the catalogue: the papers modified since the last sync (every
    paper with ``full``), read by primary key in batches. Returns the papers re-indexed."""
    started = timezone.now()
    state, _ = NameSync.objects.get_or_create(pk=1)
    # The first sync reads every paper anyway: as a rebuild it inserts without first deleting,
    # batch by batch, the rows that papers saved one at a time may have (a bulk import's end).
    full = full or state.upto is None
    since = None if full else state.upto
    if full:
        NameKey.objects.all().delete()
    done = 0
    last = 0
    while True:
        batch = Paper.objects.filter(pk__gt=last)
        if since is not None:
            batch = batch.filter(modified_at__gte=since - SYNC_OVERLAP)
        rows = list(
            batch.order_by("pk").values_list(
                "pk", "match_keys", "organization", "announced_on", "hidden"
            )[:BATCH]
        )
        if not rows:
            break
        done += index_papers(rows, fresh=full)
        last = rows[-1][0]
    NameSync.objects.filter(pk=1).update(upto=started, last_pk=last)
    return done


def follow_catalogue(sender: object, changed: int = 0, **kwargs: Any) -> str | None:
    """Receiver of ``papers_changed``: index the names of the papers an import changed."""
    if not changed:
        return None
    count = sync_names()
    return f"author and organisation pages: {count:,} papers (re)indexed"


def on_paper_saved(sender: object, instance: Paper, **kwargs: Any) -> None:
    """Receiver of Paper's ``post_save`` (the admin, a single add, tests): its rows at once."""
    if kwargs.get("raw"):
        return
    index_papers(
        [
            (
                instance.pk,
                instance.match_keys,
                instance.organization,
                instance.announced_on,
                instance.hidden,
            )
        ]
    )
