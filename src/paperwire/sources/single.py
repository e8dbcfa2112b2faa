"""One paper by id or arxiv.org URL, straight from the arXiv API (``paperwire add 2401.01234``)."""

from __future__ import annotations

from paperwire.sources.arxiv_api import fetch_feed
from paperwire.sources.arxiv_ids import parse_id_or_url
from paperwire.sources.http import PoliteClient
from paperwire.sources.records import PaperRecord, Rejected


class PaperNotFound(LookupError):
    """arXiv answered, but has no paper with that id."""


def fetch_paper(client: PoliteClient, base_url: str, id_or_url: str) -> PaperRecord:
    """The paper ``id_or_url`` names (a version if one is given).

    Raises ``InvalidArxivId`` before any request for text that is no id, ``PaperNotFound``
    for an id arXiv does not know, ``ArxivApiError`` when the API refuses the query.
    """
    wanted = parse_id_or_url(id_or_url)
    # A versioned id asks arXiv for that version's title, abstract and date, not the latest.
    page = fetch_feed(client, base_url, {"id_list": str(wanted), "start": 0, "max_results": 1})
    if not page.items:
        raise PaperNotFound(f"arXiv has no paper {wanted}")
    item = page.items[0]
    if isinstance(item, Rejected):
        raise ValueError(f"arXiv's answer for {wanted} is unusable: {item.reason}")
    return item
