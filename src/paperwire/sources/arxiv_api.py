"""The arXiv API (``export.arxiv.org/api/query``): Atom feeds, read a page at a time.

Both generations of the feed are read: the current one (namespace prefixes declared on
``<feed>``) and the classic one (``opensearch:*`` elements each declaring their own namespace,
hard-wrapped abstracts). Entries become ``PaperRecord`` values; an entry that cannot be read
becomes a ``Rejected`` note, never an exception. An error feed raises ``ArxivApiError``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from paperwire.sources.arxiv_ids import InvalidArxivId, is_arxiv_category, parse_arxiv_id
from paperwire.sources.http import PoliteClient
from paperwire.sources.records import (
    PaperRecord,
    Rejected,
    Source,
    SourceItem,
    Version,
    fingerprint,
)
from paperwire.sources.text import clean, detex_name
from paperwire.sources.xml import BadXml, parse_xml

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"

# arXiv refuses larger slices (API user manual, "max_results").
MAX_PAGE_SIZE = 2000
# How often a page that comes back empty before totalResults is asked for again.
EMPTY_PAGE_RETRIES = 3


class ArxivApiError(RuntimeError):
    """The API said no: an error feed (its own words in the message) or an unexpected status."""


@dataclass(slots=True)
class FeedPage:
    total_results: int
    start_index: int
    items_per_page: int
    items: list[PaperRecord | Rejected]  # the API has nothing to defer: no Pending here


def parse_feed(data: bytes) -> FeedPage:
    """Parse one API answer; raise ``BadXml`` for unreadable XML, ``ArxivApiError`` for errors."""
    root = parse_xml(data)
    if root.tag != f"{ATOM}feed":
        raise BadXml(f"not an arXiv API feed: the root element is <{_local(root.tag)}>")
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        if "/api/errors" in _text(entry, f"{ATOM}id"):
            summary = _text(entry, f"{ATOM}summary") or _text(entry, f"{ATOM}title")
            raise ArxivApiError(f"arXiv API error: {summary or 'no reason given'}")
    start_index = _opensearch_int(root, "startIndex", 0)
    items = [_entry(entry, start_index + n) for n, entry in enumerate(entries, start=1)]
    return FeedPage(
        total_results=_opensearch_int(root, "totalResults", len(entries)),
        start_index=start_index,
        items_per_page=_opensearch_int(root, "itemsPerPage", len(entries)),
        items=items,
    )


def _entry(entry: Element, number: int) -> PaperRecord | Rejected:
    raw_id = _text(entry, f"{ATOM}id")
    where = f"entry {number}" + (f" ({raw_id.rsplit('/abs/', 1)[-1]})" if raw_id else "")
    if not raw_id:
        return Rejected(where, "entry has no <id>")
    try:
        arxiv = parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        return Rejected(where, str(exc))
    title = _text(entry, f"{ATOM}title")
    if not title:
        return Rejected(where, "entry has no title")

    published = _datetime(_text(entry, f"{ATOM}published"))
    updated = _datetime(_text(entry, f"{ATOM}updated"))
    # The feed carries only two dates: <published> is v1's, and <updated> is that of the
    # version named in <id> (the latest one unless a versioned id was asked for).
    versions: list[Version] = []
    if published is not None:
        versions.append(Version(1, published))
    if arxiv.version is not None and arxiv.version > 1:
        versions.append(Version(arxiv.version, updated))

    primary = entry.find(f"{ARXIV}primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    categories = list(dict.fromkeys(t.strip() for t in terms if is_arxiv_category(t.strip())))

    authors = [detex_name(_text(a, f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")]
    record = PaperRecord(
        arxiv_id=arxiv.id,
        source=Source.ARXIV_API,
        where=where,
        title=title,
        abstract=_text(entry, f"{ATOM}summary"),
        authors=[a for a in authors if a],
        categories=categories,
        versions=versions,
        published=published,
        updated=updated if updated is not None else published,
        doi=_text(entry, f"{ARXIV}doi"),
        journal_ref=_text(entry, f"{ARXIV}journal_ref"),
        comments=_text(entry, f"{ARXIV}comment"),
        license=_license(entry),
    )
    record.fingerprint = _fingerprint(record)
    return record


def _fingerprint(record: PaperRecord) -> str:
    # Digest the fields rather than the XML, so the same paper read through either generation
    # of the feed (different prefixes, wrapping, element order) counts as unchanged.
    fields = [
        record.arxiv_id,
        record.title,
        record.abstract,
        record.authors,
        record.categories,
        [(v.number, v.created.isoformat() if v.created else None) for v in record.versions],
        record.doi,
        record.journal_ref,
        record.comments,
        record.license,
    ]
    return fingerprint(json.dumps(fields, ensure_ascii=False).encode())


def _license(entry: Element) -> str:
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel") == "license":
            return clean(link.get("href", ""))
    return _text(entry, f"{ARXIV}license")


def _text(parent: Element, tag: str) -> str:
    element = parent.find(tag)
    if element is None:
        return ""
    text = "".join(element.itertext())
    if element.get("type") == "html":
        text = html.unescape(text)
    return clean(text)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _opensearch_int(root: Element, name: str, default: int) -> int:
    # Matched on the local name: the namespace URI has changed across OpenSearch versions
    # (opensearchrss/1.0, opensearch/1.1) and arXiv has used more than one.
    for child in root:
        if _local(child.tag) == name and child.tag.startswith("{http://a9.com/"):
            value = clean(child.text)
            if not value.isdigit():
                raise BadXml(f"arXiv API feed: opensearch:{name} is not a number: {value!r}")
            return int(value)
    return default


def _datetime(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def fetch_feed(client: PoliteClient, base_url: str, params: Mapping[str, str | int]) -> FeedPage:
    """One API request, with arXiv's error answers turned into ``ArxivApiError``."""
    response = client.get(base_url, params=params)
    if response.status_code != 200:
        try:
            parse_feed(response.content)
        except ArxivApiError as exc:
            raise ArxivApiError(f"{exc} (HTTP {response.status_code})") from None
        except BadXml:
            pass
        raise ArxivApiError(
            f"arXiv API answered HTTP {response.status_code} for {response.request.url}"
        )
    return parse_feed(response.content)


class ArxivApiStream:
    """Every result of one query, paged with ``start``/``max_results``.

    ``cursor`` is the ``start`` offset to resume from: the current page's offset while its
    items are being read, the next page's after its last item.
    """

    unit = "rec"

    def __init__(
        self,
        client: PoliteClient,
        base_url: str,
        *,
        search_query: str | None = None,
        id_list: list[str] | None = None,
        page_size: int = 100,
        cursor: str | None = None,
        max_records: int | None = None,
        sort_by: str = "submittedDate",
        sort_order: str = "ascending",
        label: str | None = None,
        empty_page_retries: int = EMPTY_PAGE_RETRIES,
    ) -> None:
        if not search_query and not id_list:
            raise ValueError("an arXiv API query needs search_query or id_list")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        if cursor is not None and not cursor.strip().isdigit():
            raise ValueError(f"not an arXiv API cursor (a start offset): {cursor!r}")
        self.client = client
        self.base_url = base_url
        self.search_query = search_query
        self.id_list = list(id_list) if id_list else None
        self.page_size = page_size
        self.max_records = max_records
        self.sort_by = sort_by
        self.sort_order = sort_order
        self.empty_page_retries = empty_page_retries
        self.start = int(cursor) if cursor is not None else 0
        self.cursor: str | None = str(self.start)
        self.total: int | None = None
        self.notes: list[str] = []
        self.label = label or (
            f"arXiv API {search_query}" if search_query else f"arXiv API id_list={self._ids()}"
        )
        self._yielded = 0
        # PoliteClient keeps its sleep private; reuse it so tests that fake time fake this too.
        self._sleep: Callable[[float], None] = client._sleep

    @property
    def position(self) -> int:
        return self.start + self._yielded

    def _ids(self) -> str:
        return ",".join(self.id_list or [])

    def _params(self, start: int, size: int) -> dict[str, str | int]:
        params: dict[str, str | int] = {}
        if self.search_query:
            params["search_query"] = self.search_query
        if self.id_list:
            params["id_list"] = self._ids()
        params.update(start=start, max_results=size, sortBy=self.sort_by, sortOrder=self.sort_order)
        return params

    def __iter__(self) -> Iterator[SourceItem]:
        start = self.start
        while self.max_records is None or self._yielded < self.max_records:
            size = self.page_size
            if self.max_records is not None:
                size = min(size, self.max_records - self._yielded)
            page = self._fetch_page(start, size)
            if page is None:
                return
            # Advance by what came back, not by what was asked: a short page must not skip
            # results (re-reading a few is harmless, ingest is idempotent).
            next_start = start + len(page.items)
            for n, item in enumerate(page.items, start=1):
                self.cursor = str(next_start if n == len(page.items) else start)
                self._yielded += 1
                yield item
            start = next_start
            self.cursor = str(start)
            if start >= page.total_results:
                return

    def _fetch_page(self, start: int, size: int) -> FeedPage | None:
        """The page at ``start``, or None once there is nothing more to read."""
        for attempt in range(self.empty_page_retries + 1):
            if attempt:
                self._sleep(self.client.backoff * 2 ** (attempt - 1))
            try:
                page = fetch_feed(self.client, self.base_url, self._params(start, size))
            except BadXml as exc:
                raise BadXml(f"{self.label}, page at start={start}: {exc}") from None
            self.total = page.total_results
            if page.items or start >= page.total_results:
                return page if page.items else None
        # arXiv sometimes answers an empty page although more results exist; it usually
        # passes, so the operator can resume later from the cursor.
        self.notes.append(
            f"arXiv returned an empty page at start={start} although totalResults is "
            f"{self.total}, {self.empty_page_retries + 1} times; stopped there "
            f"(resume from cursor {start} later)"
        )
        return None


def category_query(category: str, since: dt.date, until: dt.date | None = None) -> str:
    """``cat:cs.LG AND submittedDate:[202401010000 TO 202401312359]``; ``until`` is inclusive."""
    if not is_arxiv_category(category):
        raise ValueError(f"not an arXiv category: {category!r} (expected e.g. cs.LG or hep-th)")
    if until is None:
        until = dt.datetime.now(dt.UTC).date()
    if until < since:
        raise ValueError(f"empty date range: {since.isoformat()} is after {until.isoformat()}")
    return f"cat:{category} AND submittedDate:[{since:%Y%m%d}0000 TO {until:%Y%m%d}2359]"


def harvest_category(
    client: PoliteClient,
    base_url: str,
    category: str,
    since: dt.date,
    until: dt.date | None = None,
    cursor: str | None = None,
) -> ArxivApiStream:
    """Every paper submitted to ``category`` in the date range, oldest first.

    Sorted by submission date ascending so that a resumed harvest sees the same order: papers
    announced meanwhile fall after the cursor, not before it.
    """
    query = category_query(category, since, until)
    label = f"arXiv API {category} {since.isoformat()}..{until.isoformat() if until else 'today'}"
    return ArxivApiStream(
        client,
        base_url,
        search_query=query,
        cursor=cursor,
        sort_by="submittedDate",
        sort_order="ascending",
        label=label,
    )
