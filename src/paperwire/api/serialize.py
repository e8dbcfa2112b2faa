"""Papers as the API's plain dicts: paperwire's own shape and Hugging Face's daily-papers item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from paperwire import discussion
from paperwire.catalogue.models import Paper


def links(paper: Paper) -> list[dict[str, str]]:
    kept = []
    for link in paper.links or []:
        if isinstance(link, dict) and isinstance(link.get("url"), str):
            kept.append({"kind": str(link.get("kind") or ""), "url": link["url"]})
    return kept


def with_comment_counts(papers: Iterable[Paper]) -> list[Paper]:
    """The papers, each knowing its number of visible comments: one query for the whole list
    (``discussion.counts``). A list endpoint calls this before ``paper_out`` / ``hf_item``."""
    listed = list(papers)
    found = discussion.counts(p.pk for p in listed)
    for paper in listed:
        paper.num_comments = found.get(paper.pk, 0)  # type: ignore[attr-defined]
    return listed


def num_comments(paper: Paper) -> int:
    """A paper's visible comments: counted by ``with_comment_counts`` for a list, else here
    (one query, for a single paper)."""
    known = paper.__dict__.get("num_comments")
    if known is None:
        known = discussion.counts([paper.pk]).get(paper.pk, 0)
        paper.num_comments = known  # type: ignore[attr-defined]
    return int(known)


def paper_out(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.arxiv_id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": [str(a) for a in paper.authors or []],
        "categories": [str(c) for c in paper.categories or []],
        "primary_category": paper.primary_category,
        "published": paper.published,
        "updated": paper.updated,
        "latest_version": paper.latest_version,
        "day": paper.day,
        "upvotes": paper.points,
        "submitted_by": paper.submitted_by,
        "organization": paper.organization,
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comments": paper.comments,
        "links": links(paper),
        "url": f"/papers/{paper.arxiv_id}",
        "arxiv_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "code_url": paper.code_url,
        "num_comments": num_comments(paper),
    }


def hf_time(value: dt.datetime | None) -> str | None:
    """Hugging Face's timestamp spelling: 2026-08-20T00:00:00.000Z (UTC, milliseconds)."""
    if value is None:
        return None
    utc = value.astimezone(dt.UTC) if value.tzinfo else value
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def hf_item(paper: Paper) -> dict[str, Any]:
    """One item of Hugging Face's ``/api/daily_papers``, filled only with what we know.

    The mapping is documented in docs/api.md; fields we have nothing honest for (thumbnails,
    avatars, AI summaries, GitHub stars) are left out. ``numComments`` counts the paper's
    visible comments here (``with_comment_counts`` counts a whole page in one query).
    """
    submitter = None
    if paper.submitted_by:
        submitter = {
            "name": paper.submitted_by,
            "fullname": paper.submitted_by,
            "user": paper.submitted_by,
            "type": "user",
        }
    organization = None
    if paper.organization:
        organization = {"name": paper.organization, "fullname": paper.organization}
    kinds: dict[str, str] = {}
    for link in links(paper):
        kinds.setdefault(link["kind"], link["url"])
    published = hf_time(paper.published)
    item_paper: dict[str, Any] = {
        "id": paper.arxiv_id,
        "authors": [{"name": str(name), "hidden": False} for name in paper.authors or []],
        "publishedAt": published,
        "submittedOnDailyAt": hf_time(paper.submitted_at),
        "submittedOnDailyBy": submitter,
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.points,
        "githubRepo": kinds.get("github"),
        "projectPage": kinds.get("project"),
        "organization": organization,
    }
    return {
        "paper": item_paper,
        "publishedAt": published,
        "title": paper.title,
        "summary": paper.abstract,
        "numComments": num_comments(paper),
        "submittedBy": submitter and {k: v for k, v in submitter.items() if k != "user"},
        "organization": organization,
        "isAuthorParticipating": False,
    }
