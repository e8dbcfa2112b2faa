"""How one source's record of a paper is folded into the catalogue's row for it.

The rules make ingest idempotent and, as far as the data allows, independent of the order
sources arrive in:

* Bibliographic text (title, abstract, authors, categories, DOI, ...) comes from the record
  with the highest known version. A record of a strictly newer version overwrites what it
  states; any other record only fills fields that are still empty. So the same input twice
  changes nothing, and a v3 from the API after a v2 from a snapshot updates the paper.
* The version history is the union of every version seen (number, date); it only grows.
* Dates take the earliest (first version, first listing, first day on the community list)
  or the latest (latest version) of what sources say. A paper's day is its first listing
  day, else the listing day arXiv's schedule gives its first version (``catalogue.days``),
  then corrected by its arXiv id neighbours' days (``catalogue.redate``, after each batch).
* Community figures: the highest upvote count seen (upvotes are snapshots that only grow).
* Links are the union of those sources state and those found in the abstract and comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from paperwire.catalogue.days import announcement_day, date_only
from paperwire.catalogue.models import Paper
from paperwire.ingest.links import find_links
from paperwire.sources.records import PaperRecord

MAX_FINGERPRINTS = 8
_D = TypeVar("_D", dt.date, dt.datetime)

# Fields a merge may change; the written set for bulk updates.
MERGED_FIELDS = [
    "title", "abstract", "authors", "categories", "primary_category", "doi", "journal_ref",
    "comments", "license", "report_no", "versions", "latest_version", "published", "updated",
    "listing_date", "announced_on", "links", "daily_date", "submitted_by", "submitted_at",
    "upvotes", "organization", "sources", "match_keys",
]  # fmt: skip
_TEXT_FIELDS = ("title", "abstract", "doi", "journal_ref", "comments", "license", "report_no")


def snapshot(paper: Paper) -> tuple[Any, ...]:
    return tuple(getattr(paper, name) for name in MERGED_FIELDS)


def merge(paper: Paper, record: PaperRecord, *, fresh: bool = False) -> bool:
    """Fold ``record`` into ``paper`` (new or loaded); return whether anything changed.

    ``fresh`` (a paper just made, empty) skips the comparison: it always changes. The
    record's fingerprint is remembered either way, which is not counted as a change.
    """
    before = None if fresh else snapshot(paper)
    _merge_bibliographic(paper, record)
    paper.refresh_keys()  # the filter terms follow the authors and categories just merged
    _merge_versions(paper, record)
    _merge_dates(paper, record)
    _merge_community(paper, record)
    _merge_links(paper, record)
    if record.source.value not in paper.sources:
        paper.sources = [*paper.sources, record.source.value]
    if record.fingerprint and record.fingerprint not in paper.fingerprints:
        paper.fingerprints = [*paper.fingerprints, record.fingerprint][-MAX_FINGERPRINTS:]
    return before is None or snapshot(paper) != before


def _record_version(record: PaperRecord) -> int:
    return max((v.number for v in record.versions), default=0)


def _merge_bibliographic(paper: Paper, record: PaperRecord) -> None:
    newer = _record_version(record) > (paper.latest_version or 0)
    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if value and (newer or not getattr(paper, name)):
            setattr(paper, name, value)
    if record.authors and (newer or not paper.authors):
        paper.authors = list(record.authors)
    if record.categories and (newer or not paper.categories):
        paper.categories = list(record.categories)
        paper.primary_category = record.categories[0]


def _merge_versions(paper: Paper, record: PaperRecord) -> None:
    if not record.versions:
        return
    known: dict[int, str | None] = {v["version"]: v.get("created") for v in paper.versions}
    for version in record.versions:
        created = _iso(version.created)
        if known.get(version.number) is None:
            known[version.number] = created
    merged = [{"version": n, "created": known[n]} for n in sorted(known)]
    if merged != paper.versions:
        paper.versions = merged
    paper.latest_version = max(known)


def _merge_dates(paper: Paper, record: PaperRecord) -> None:
    firsts = [paper.published, record.published]
    lasts = [paper.updated, record.updated]
    for version in paper.versions:
        if version.get("created"):
            created = dt.datetime.fromisoformat(version["created"])
            (firsts if version["version"] == 1 else lasts).append(created)
    paper.published = _first_submission(firsts)
    paper.updated = _latest([*lasts, paper.published])
    paper.listing_date = _earliest([paper.listing_date, record.listing_date])
    # A paper's day is its listing day; sources without one (arXiv API, OAI-PMH, Kaggle,
    # Hugging Face) get the day arXiv's schedule lists a paper submitted then.
    paper.announced_on = paper.listing_date or (
        announcement_day(paper.published, arxiv_id=paper.arxiv_id) if paper.published else None
    )


def _merge_community(paper: Paper, record: PaperRecord) -> None:
    if record.daily_date and (paper.daily_date is None or record.daily_date < paper.daily_date):
        # The first day a paper was put on the community list is the one that counts.
        paper.daily_date = record.daily_date
        paper.submitted_at = record.submitted_at or paper.submitted_at
        paper.submitted_by = record.submitted_by or paper.submitted_by
    elif record.daily_date == paper.daily_date:
        paper.submitted_at = paper.submitted_at or record.submitted_at
        paper.submitted_by = paper.submitted_by or record.submitted_by
    if record.upvotes is not None and record.upvotes > paper.upvotes:
        paper.upvotes = record.upvotes
    if record.organization and not paper.organization:
        paper.organization = record.organization


def _merge_links(paper: Paper, record: PaperRecord) -> None:
    found = [*record.links, *find_links(record.abstract, record.comments)]
    if not found:
        return
    have = {link["url"] for link in paper.links}
    added = [{"kind": str(link.kind), "url": link.url} for link in found if link.url not in have]
    if added:
        unique = {link["url"]: link for link in added}
        paper.links = [*paper.links, *unique.values()]


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _first_submission(values: list[dt.datetime | None]) -> dt.datetime | None:
    """The earliest first-version time; a source that knows only the day (midnight UTC) gives
    way to one that knows the time on that day, which decides the paper's listing day."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    day = min(v.astimezone(dt.UTC).date() for v in present)
    same_day = [v for v in present if v.astimezone(dt.UTC).date() == day]
    timed = [v for v in same_day if not date_only(v)]
    return min(timed or same_day)


def _earliest(values: list[_D | None]) -> _D | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _latest(values: list[_D | None]) -> _D | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
