"""Submitting a paper to a day's list, by arXiv id or URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.ingest.single import FetchFailed, fetch_and_ingest
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url


class SubmissionError(ValueError):
    """A submission that cannot be taken; the message is for the person who sent it."""


@dataclass(frozen=True)
class Submitted:
    paper: Paper
    fetched: bool  # it was not in the catalogue and came from arXiv just now


def submit(user: AbstractBaseUser, id_or_url: str, day: dt.date | None = None) -> Submitted:
    """Put the paper on ``day``'s list (today's by default), fetching it from arXiv if new."""
    text = (id_or_url or "").strip()
    if not text:
        raise SubmissionError("give an arXiv id such as 2401.01234 or an arxiv.org link")
    try:
        arxiv_id = parse_id_or_url(text[:300]).id
    except InvalidArxivId as exc:
        raise SubmissionError(str(exc)) from None
    day = day or timezone.localdate()
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    fetched = False
    if paper is None:
        try:
            paper = fetch_and_ingest(arxiv_id).paper
        except FetchFailed as exc:
            raise SubmissionError(str(exc)) from None
        fetched = True
    if paper.hidden:
        raise SubmissionError(f"{arxiv_id} has been hidden by the moderators")
    if paper.daily_date is not None:
        raise SubmissionError(
            f"{arxiv_id} was already submitted, to the list of {paper.daily_date:%Y-%m-%d}"
        )
    Paper.objects.filter(pk=paper.pk).update(
        daily_date=day,
        submitted_by=user.get_username()[:150],
        submitted_at=timezone.now(),
        modified_at=timezone.now(),
    )
    paper.refresh_from_db()
    return Submitted(paper, fetched)
