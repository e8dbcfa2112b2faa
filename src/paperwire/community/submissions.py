"""Submitting a paper to a day's list, by arXiv id or URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.catalogue.signals import papers_changed
from paperwire.ingest.run import Ingester
from paperwire.sources.arxiv_api import ArxivApiError
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url
from paperwire.sources.http import FetchError, PoliteClient
from paperwire.sources.records import ListStream
from paperwire.sources.single import PaperNotFound, fetch_paper
from paperwire.sources.xml import BadXml


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
        paper = _fetch(arxiv_id)
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


def _fetch(arxiv_id: str) -> Paper:
    with PoliteClient(interval=settings.ARXIV_REQUEST_INTERVAL) as client:
        try:
            record = fetch_paper(client, settings.ARXIV_API_URL, arxiv_id)
        except PaperNotFound:
            raise SubmissionError(f"arXiv has no paper {arxiv_id}") from None
        except (ArxivApiError, FetchError, BadXml, ValueError) as exc:
            raise SubmissionError(f"arXiv could not be asked about {arxiv_id}: {exc}") from None
    summary = Ingester(progress=False).run(ListStream([record], arxiv_id))
    papers_changed.send(sender=Submitted, changed=summary.new + summary.updated)
    return Paper.objects.get(arxiv_id=record.arxiv_id)
