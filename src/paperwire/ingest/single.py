"""One paper fetched from arXiv by id or URL and merged into the catalogue: what ``paperwire
add`` does, and what a submission of a paper new to this site does."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from paperwire.catalogue.models import Paper
from paperwire.catalogue.signals import papers_changed
from paperwire.ingest.run import Ingester, Summary
from paperwire.sources.arxiv_api import ArxivApiError
from paperwire.sources.arxiv_ids import InvalidArxivId
from paperwire.sources.http import FetchError, PoliteClient
from paperwire.sources.records import ListStream
from paperwire.sources.single import PaperNotFound, fetch_paper
from paperwire.sources.xml import BadXml


class FetchFailed(ValueError):
    """The paper could not be had from arXiv; the message says why, to whoever asked."""


@dataclass(frozen=True)
class Fetched:
    paper: Paper
    summary: Summary  # new, updated or unchanged
    notes: list[str]  # what followed the catalogue says it did (the search indexes)


def fetch_and_ingest(id_or_url: str) -> Fetched:
    """Fetch ``id_or_url`` from the arXiv API, merge it like any import, and tell what follows
    the catalogue when it changed."""
    with PoliteClient(interval=settings.ARXIV_REQUEST_INTERVAL) as client:
        try:
            record = fetch_paper(client, settings.ARXIV_API_URL, id_or_url)
        except (InvalidArxivId, PaperNotFound) as exc:
            raise FetchFailed(str(exc)) from None  # it says what is wrong with the id
        except (ArxivApiError, FetchError, BadXml, ValueError) as exc:
            raise FetchFailed(f"arXiv could not be asked about {id_or_url}: {exc}") from None
    summary = Ingester(progress=False).run(ListStream([record], id_or_url))
    changed = summary.new + summary.updated
    notes: list[str] = []
    if changed:
        replies = papers_changed.send(sender=Fetched, changed=changed)
        notes = [str(line) for _, line in replies if line]
    return Fetched(Paper.objects.get(arxiv_id=record.arxiv_id), summary, notes)
