"""Re-dating stored papers by their arXiv id's neighbours (``catalogue.days.neighbour_days``).

A paper's neighbours arrive after it does (the rest of its day's batch, a listing file), so
the correction is a pass over the catalogue, not part of merging one record: ingest runs
``redate_batch`` on each batch's new and changed papers, in the batch's transaction, so a
killed import leaves no month half re-dated and a resumed one ends where an uninterrupted one
does. ``redate_around`` does the same for papers already stored, and ``redate_months``
re-dates whole months.

Only a paper whose day is the schedule's is moved: no listing day (``listing_date``, from a
listing source) and no day on the community list (``daily_date``, which is then its day). Such
papers and the rest vote as neighbours with their own day: the listing day, else the
schedule's for their first version. A moved paper's ``modified_at`` moves to now in the same
update, so that the search index, which re-reads papers by a ``modified_at`` watermark, picks
up the new day. Each pass computes every day from the stored rows afresh, so it is idempotent
and the same whatever the order of imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from paperwire.catalogue.days import (
    REACH,
    DayRow,
    announcement_day,
    date_only,
    id_place,
    neighbour_days,
)
from paperwire.catalogue.models import Paper

_FIELDS = ("pk", "arxiv_id", "published", "listing_date", "daily_date", "announced_on")


def redate_months(months: Iterable[str], *, model: type[Paper] = Paper) -> int:
    """Re-date the papers of each ``YYMM`` month; return how many changed day.

    ``model``: a migration's historical ``Paper``.
    """
    return sum(_redate(month, None, model) for month in sorted(set(months)))


def redate_around(arxiv_ids: Iterable[str]) -> int:
    """Re-date the papers whose neighbours ``arxiv_ids`` (just added or changed) may be.

    Those are within ``REACH`` numbers of them in their month; their votes read papers up to
    ``REACH`` further, so only that span of each month is read. Returns how many changed day.
    """
    spans = _spans(arxiv_ids)
    return sum(_redate(month, spans[month], Paper) for month in sorted(spans))


def redate_batch(papers: Sequence[Paper]) -> int:
    """``redate_around`` the ids of ``papers``, a batch as merge left it and not yet written,
    with the batch's own rows taken from ``papers`` instead of read back from the catalogue.

    Merge gives a paper without a listing day the schedule's day (``announcement_day``), so a
    batch paper's ``announced_on`` is the day the pass would compute from its row; a paper the
    pass moves is moved in ``papers`` (the caller writes it, and stamps its ``modified_at``),
    the stored papers around them in the catalogue. Call it in the transaction that writes
    ``papers``, before writing them: the catalogue's row of a changed paper is then still the
    old one, and is the paper's in ``papers`` for the pass. The result is ``redate_around``'s
    after the write: the same rows, the same days, the same count.
    """
    by_id = {paper.arxiv_id: paper for paper in papers}
    spans = _spans(by_id)
    return sum(_redate(month, spans[month], Paper, by_id) for month in sorted(spans))


def _spans(arxiv_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """The lowest and highest number of ``arxiv_ids`` in each month they name (new scheme)."""
    spans: dict[str, tuple[int, int]] = {}
    for arxiv_id in arxiv_ids:
        place = id_place(arxiv_id)
        if place is None:
            continue
        month, number = place
        low, high = spans.get(month, (number, number))
        spans[month] = (min(low, number), max(high, number))
    return spans


def _redate(
    month: str,
    span: tuple[int, int] | None,
    model: type[Paper],
    batch: dict[str, Paper] | None = None,
) -> int:
    papers = model.objects.filter(arxiv_id__startswith=f"{month}.")
    bounds = None
    if span is not None:
        # Ids of one month have one width (4 digits until 1412, 5 since), so their text order
        # is their numeric order and the span is a range on the unique index.
        width = 5 if month >= "1501" else 4
        top = 10**width - 1
        low, high = max(span[0] - 2 * REACH, 0), min(span[1] + 2 * REACH, top)
        bounds = (f"{month}.{low:0{width}d}", f"{month}.{high:0{width}d}")
        papers = papers.filter(arxiv_id__range=bounds)
    rows: list[DayRow] = []
    stored: dict[str, tuple[int, dt.date | None]] = {}
    for pk, arxiv_id, published, listing_date, daily_date, announced_on in papers.values_list(
        *_FIELDS
    ):
        if batch is not None and arxiv_id in batch:
            continue  # the batch's own row, as it is about to be written, is added below
        if listing_date is not None:
            rows.append(DayRow(arxiv_id, listing_date, False, movable=False))
            continue
        if published is None:
            continue  # no day of its own to give or to vote with
        own = announcement_day(published, arxiv_id=arxiv_id)
        movable = daily_date is None and _within(arxiv_id, span)
        rows.append(DayRow(arxiv_id, own, date_only(published), movable=movable))
        if movable:
            stored[arxiv_id] = (pk, announced_on)
    mine: dict[str, Paper] = {}
    if batch is not None and bounds is not None:
        # The rows the query above would return once the batch is written (same month prefix,
        # same range; the database compares these ASCII ids byte by byte, as Python does).
        prefix, (first, last) = f"{month}.", bounds
        for arxiv_id, paper in batch.items():
            if not (arxiv_id.startswith(prefix) and first <= arxiv_id <= last):
                continue
            if paper.listing_date is not None:
                rows.append(DayRow(arxiv_id, paper.listing_date, False, movable=False))
                continue
            if paper.published is None or paper.announced_on is None:
                continue
            # Within the span by construction (the span is made of the batch's ids).
            movable = paper.daily_date is None
            rows.append(DayRow(arxiv_id, paper.announced_on, date_only(paper.published), movable))
            if movable:
                mine[arxiv_id] = paper
    corrected = neighbour_days(rows)
    now = timezone.now()
    changed: list[Paper] = []
    moved = 0
    for row in rows:
        if not row.movable:
            continue
        day = corrected.get(row.arxiv_id, row.day)
        merged = mine.get(row.arxiv_id)
        if merged is not None:
            if day != merged.announced_on:
                merged.announced_on = day
                moved += 1
            continue
        pk, announced_on = stored[row.arxiv_id]
        if day != announced_on:
            changed.append(model(pk=pk, announced_on=day, modified_at=now))
    with transaction.atomic():
        model.objects.bulk_update(changed, ["announced_on", "modified_at"], batch_size=500)
    return moved + len(changed)


def _within(arxiv_id: str, span: tuple[int, int] | None) -> bool:
    """Whether a paper's vote can have changed: within ``REACH`` of the span (or no span)."""
    if span is None:
        return True
    place = id_place(arxiv_id)
    return place is not None and span[0] - REACH <= place[1] <= span[1] + REACH
