"""arXiv's OAI-PMH interface: harvest every record of a set changed in a date range.

Three metadata formats are read: ``arXiv`` (structured authors, first and last dates),
``arXivRaw`` (every version with its date, authors as one string) and ``oai_dc`` (Dublin
Core: category names instead of codes). The format is recognised per record from its
namespace, so ``parse_page`` needs no hint.

Resuming. ``OaiStream.cursor`` is the resumption token of the page being read:

* ``""`` (or ``None``): the first page, i.e. start from the beginning;
* a token ``T``: the page fetched with ``T``; re-opening at ``T`` re-reads that page, so
  a record already seen may come again (ingest is idempotent) but none is skipped;
* ``DONE_CURSOR`` (``"done:"``): the list is finished; re-opening yields nothing.

While the items of a page are yielded the cursor is that page's token; it moves to the
next page's token as the page's last item is handed out, so a cursor saved after that item
resumes at the next page without repeating this one.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode
from xml.etree.ElementTree import Element, tostring

from paperwire.sources.arxiv_ids import InvalidArxivId, is_arxiv_category, parse_arxiv_id
from paperwire.sources.http import FetchError, PoliteClient
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

ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"
DONE_CURSOR = "done:"

_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_ARXIV = "{http://arxiv.org/OAI/arXiv/}"
_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
_OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
_DC = "{http://purl.org/dc/elements/1.1/}"

_NO_RECORDS = "noRecordsMatch"
_VERSION_RE = re.compile(r"^v(\d+)$")
# Affiliations in arXivRaw author strings: "A. Author (MIT, Cambridge), B. Author".
_PARENS_RE = re.compile(r"\([^()]*\)")
# ", and" before the last author, "Collaboration: names", and the odd semicolon list.
_AUTHOR_SEP_RE = re.compile(r"\s*[,;:]\s*(?:and\s+)?|\s+and\s+")
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_DC_NOTE = (
    "oai_dc gives categories as names (e.g. 'Computer Science - Machine Learning'), "
    "not codes, and does not mark the primary one: categories left empty"
)


class OaiError(RuntimeError):
    """arXiv answered with an OAI-PMH ``<error>`` (other than noRecordsMatch)."""

    def __init__(self, code: str, text: str, context: str = "") -> None:
        self.code = code
        self.text = text
        message = f"arXiv OAI-PMH error {code or '(no code)'}: {text or '(no message)'}"
        super().__init__(f"{message} [{context}]" if context else message)


@dataclass(slots=True)
class OaiPage:
    items: list[SourceItem]
    resumption_token: str | None = None  # None on the last page
    complete_list_size: int | None = None
    cursor: int | None = None  # the token's cursor attribute: records before this page
    deleted: int = 0  # records skipped because arXiv marks them deleted
    notes: list[str] = field(default_factory=list)


class _Reject(Exception):
    """A record that cannot become a PaperRecord; turned into ``Rejected`` by the caller."""


def parse_page(data: bytes, *, offset: int | None = None) -> OaiPage:
    """Parse one ListRecords or GetRecord response.

    Records are numbered from the page's own cursor attribute when it has one, else from
    ``offset`` (records before this page), for the ``where`` of each item.
    Raises ``BadXml`` for malformed or entity-bearing XML and ``OaiError`` for an OAI error.
    """
    root = parse_xml(data)
    if root.tag != f"{_OAI}OAI-PMH":
        raise BadXml(f"not an OAI-PMH response (root element <{_local(root.tag)}>)")
    errors = root.findall(f"{_OAI}error")
    real_errors = [error for error in errors if error.get("code") != _NO_RECORDS]
    if real_errors:
        raise OaiError(real_errors[0].get("code", ""), _text(real_errors[0]))
    if errors:
        return OaiPage(items=[], complete_list_size=0)
    container = root.find(f"{_OAI}ListRecords")
    if container is None:
        container = root.find(f"{_OAI}GetRecord")
    if container is None:
        raise BadXml("OAI-PMH response without ListRecords or GetRecord")

    page = OaiPage(items=[])
    token = container.find(f"{_OAI}resumptionToken")
    if token is not None:
        page.resumption_token = _text(token) or None
        page.complete_list_size = _int_attr(token, "completeListSize")
        page.cursor = _int_attr(token, "cursor")
    first = page.cursor if page.cursor is not None else (offset or 0)
    for number, record in enumerate(container.findall(f"{_OAI}record"), start=first + 1):
        item = _parse_record(record, number, page)
        if item is not None:
            page.items.append(item)
    return page


def _parse_record(record: Element, number: int, page: OaiPage) -> SourceItem | None:
    header = record.find(f"{_OAI}header")
    identifier = _text(header.find(f"{_OAI}identifier")) if header is not None else ""
    where = f"record {number} ({identifier})" if identifier else f"record {number}"
    if header is not None and header.get("status") == "deleted":
        page.deleted += 1
        page.notes.append(f"{where}: deleted at arXiv, skipped")
        return None
    metadata = record.find(f"{_OAI}metadata")
    body = metadata[0] if metadata is not None and len(metadata) else None
    if body is None:
        return Rejected(where, "record has no metadata")
    try:
        if body.tag == f"{_ARXIV}arXiv":
            paper = _from_arxiv(body, identifier, where)
        elif body.tag == f"{_RAW}arXivRaw":
            paper = _from_arxiv_raw(body, identifier, where)
        elif body.tag == f"{_OAI_DC}dc":
            paper = _from_oai_dc(body, identifier, where)
            if _DC_NOTE not in page.notes:
                page.notes.append(_DC_NOTE)
        else:
            return Rejected(where, f"unsupported metadata format <{body.tag}>")
    except _Reject as exc:
        return Rejected(where, str(exc))
    paper.fingerprint = fingerprint(tostring(record))
    return paper


def _from_arxiv(body: Element, identifier: str, where: str) -> PaperRecord:
    ns = _ARXIV
    paper = _start(body, ns, identifier, where)
    for author in body.iterfind(f"{ns}authors/{ns}author"):
        parts = (
            _child(author, f"{ns}forenames"),
            _child(author, f"{ns}keyname"),
            _child(author, f"{ns}suffix"),
        )
        name = detex_name(" ".join(part for part in parts if part))
        # Collaboration lists get split oddly ("Keck Array", "BICEP2 Collaborations", ":"):
        # keep the pieces that read as names, drop bare punctuation.
        if _is_name(name):
            paper.authors.append(name)
    created = _day(_child(body, f"{ns}created"))
    updated = _day(_child(body, f"{ns}updated"))
    # This format only knows the first and the latest date, not how many versions lie between.
    if created is not None:
        paper.versions = [Version(1, created)]
    paper.published = created
    paper.updated = updated or created
    return paper


def _from_arxiv_raw(body: Element, identifier: str, where: str) -> PaperRecord:
    ns = _RAW
    paper = _start(body, ns, identifier, where)
    paper.authors = split_authors(_child(body, f"{ns}authors"))
    versions: dict[int, Version] = {}
    for element in body.findall(f"{ns}version"):
        match = _VERSION_RE.match(element.get("version", "").strip())
        if match:
            number = int(match.group(1))
            versions[number] = Version(number, _rfc822(_child(element, f"{ns}date")))
    paper.versions = [versions[number] for number in sorted(versions)]
    if paper.versions:
        paper.published = paper.versions[0].created
        paper.updated = paper.versions[-1].created or paper.published
    return paper


def _from_oai_dc(body: Element, identifier: str, where: str) -> PaperRecord:
    ids = [_text(element) for element in body.findall(f"{_DC}identifier")]
    abs_urls = [value for value in ids if "arxiv.org/abs/" in value]
    paper = PaperRecord(
        arxiv_id=_arxiv_id(identifier or (abs_urls[0] if abs_urls else "")),
        source=Source.OAI,
        where=where,
        title=_child(body, f"{_DC}title"),
    )
    if not paper.title:
        raise _Reject("no title")
    for element in body.findall(f"{_DC}creator"):
        name = _dc_name(_text(element))
        if _is_name(name):
            paper.authors.append(name)
    abstract: list[str] = []
    for element in body.findall(f"{_DC}description"):
        text = _text(element)
        if text.startswith("Comment:"):
            paper.comments = text.removeprefix("Comment:").strip()
        elif text:
            abstract.append(text)
    paper.abstract = " ".join(abstract)
    # arXiv writes one dc:date per version, oldest first.
    dates = [_day(_text(element)) for element in body.findall(f"{_DC}date")]
    paper.versions = [
        Version(number, date) for number, date in enumerate(dates, start=1) if date is not None
    ]
    if paper.versions:
        paper.published = paper.versions[0].created
        paper.updated = paper.versions[-1].created
    for value in ids:
        if value.lower().startswith("doi:") and not paper.doi:
            paper.doi = value[4:].strip()
    paper.license = _child(body, f"{_DC}rights")
    return paper


def _start(body: Element, ns: str, identifier: str, where: str) -> PaperRecord:
    """The fields the arXiv and arXivRaw formats share, under their own namespaces."""
    paper = PaperRecord(
        arxiv_id=_arxiv_id(_child(body, f"{ns}id") or identifier),
        source=Source.OAI,
        where=where,
        title=_child(body, f"{ns}title"),
        abstract=_child(body, f"{ns}abstract"),
        categories=_categories(_child(body, f"{ns}categories")),
        comments=_child(body, f"{ns}comments"),
        journal_ref=_child(body, f"{ns}journal-ref"),
        doi=_child(body, f"{ns}doi"),
        license=_child(body, f"{ns}license"),
        report_no=_child(body, f"{ns}report-no"),
    )
    if not paper.title:
        raise _Reject("no title")
    return paper


def _arxiv_id(text: str) -> str:
    if not text:
        raise _Reject("no arXiv id")
    try:
        return parse_arxiv_id(text).id
    except InvalidArxivId as exc:
        raise _Reject(str(exc)) from None


def _categories(text: str) -> list[str]:
    seen: list[str] = []
    for category in text.split():
        if is_arxiv_category(category) and category not in seen:
            seen.append(category)
    return seen


def split_authors(text: str) -> list[str]:
    """Split an arXivRaw author string ("A. B, C. D and E. F") into names, in order.

    Parenthesised affiliations are dropped; a lone "Jr." or "III" joins the name before it.
    """
    previous = None
    while previous != text:
        previous, text = text, _PARENS_RE.sub(" ", text)
    names: list[str] = []
    for piece in _AUTHOR_SEP_RE.split(text):
        name = detex_name(piece)
        if names and name.lower() in _SUFFIXES:
            names[-1] = f"{names[-1]} {name}"
        elif _is_name(name):
            names.append(name)
    return names


def _dc_name(text: str) -> str:
    """Dublin Core writes "Keyname, Forenames[, Suffix]"; we want "Forenames Keyname Suffix"."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 1:
        return detex_name(parts[0])
    keyname, forenames, *suffixes = parts
    return detex_name(" ".join(part for part in (forenames, keyname, *suffixes) if part))


def _is_name(name: str) -> bool:
    return any(character.isalnum() for character in name)


def _day(text: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _rfc822(text: str) -> dt.datetime | None:
    """arXivRaw's version dates: "Mon, 2 Apr 2007 19:18:42 GMT"."""
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _child(parent: Element, tag: str) -> str:
    return _text(parent.find(tag))


def _text(element: Element | None) -> str:
    return "" if element is None else clean("".join(element.itertext()))


def _int_attr(element: Element, name: str) -> int | None:
    value = element.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class OaiStream:
    """``ListRecords`` page after page, following resumption tokens (see the module doc).

    ``position`` counts the records of the list passed so far, deleted ones included, so
    it runs against ``total`` (completeListSize); on a resumed harvest it starts from the
    page's cursor attribute when arXiv sends one.
    """

    unit = "rec"

    def __init__(
        self,
        client: PoliteClient,
        base_url: str,
        *,
        set_spec: str | None,
        from_date: dt.date | None,
        until_date: dt.date | None = None,
        metadata_prefix: str = "arXiv",
        cursor: str | None = None,
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.set_spec = set_spec
        self.from_date = from_date
        self.until_date = until_date
        self.metadata_prefix = metadata_prefix
        self.cursor: str | None = cursor or ""
        self.total: int | None = None
        self.notes: list[str] = []
        self._position = 0
        scope = [f"set {set_spec}" if set_spec else "all sets"]
        if from_date:
            scope.append(f"from {from_date.isoformat()}")
        if until_date:
            scope.append(f"until {until_date.isoformat()}")
        self.label = f"arXiv OAI-PMH {metadata_prefix}, {', '.join(scope)} ({base_url})"

    @property
    def position(self) -> int:
        return self._position

    def __iter__(self) -> Iterator[SourceItem]:
        token = self.cursor or ""
        while token != DONE_CURSOR:
            page = self._fetch(token)
            # Every oai_dc page repeats the same format note; the operator needs it once.
            self.notes.extend(note for note in page.notes if note not in self.notes)
            if page.complete_list_size is not None:
                self.total = page.complete_list_size
            if page.cursor is not None:
                self._position = page.cursor
            following = page.resumption_token or DONE_CURSOR
            if following == token:
                # A server handing back the token it was given would have us loop forever.
                raise OaiError("repeatedResumptionToken", f"arXiv sent {token!r} again")
            last = len(page.items) - 1
            for index, item in enumerate(page.items):
                self._position += 1
                if index == last:
                    # Ingest reads the cursor after each item: once it holds the page's last
                    # one, a resume should start at the next page, not re-read this one.
                    self.cursor = following
                yield item
            self._position += page.deleted
            self.cursor = token = following

    def _params(self, token: str) -> dict[str, str]:
        if token:
            # OAI-PMH forbids any other argument alongside a resumption token.
            return {"verb": "ListRecords", "resumptionToken": token}
        params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
        if self.set_spec:
            params["set"] = self.set_spec
        if self.from_date:
            params["from"] = self.from_date.isoformat()
        if self.until_date:
            params["until"] = self.until_date.isoformat()
        return params

    def _fetch(self, token: str) -> OaiPage:
        params = self._params(token)
        request = f"{self.base_url}?{urlencode(params)}"
        where = f"{self.base_url} resumptionToken={token}" if token else request
        response = self.client.get(self.base_url, params=params)
        try:
            page = parse_page(response.content, offset=self._position)
        except OaiError as exc:
            raise OaiError(exc.code, exc.text, context=where) from None
        except BadXml as exc:
            if response.status_code != 200:
                raise FetchError(f"{where}: HTTP {response.status_code}") from None
            raise BadXml(f"{where}: {exc}") from None
        if response.status_code != 200:
            raise FetchError(f"{where}: HTTP {response.status_code}")
        return page


def harvest(
    client: PoliteClient,
    base_url: str,
    set_spec: str | None,
    from_date: dt.date | None,
    until_date: dt.date | None = None,
    metadata_prefix: str = "arXiv",
    cursor: str | None = None,
) -> OaiStream:
    """``OaiStream`` with positional arguments, for callers that build it in one line."""
    return OaiStream(
        client,
        base_url,
        set_spec=set_spec,
        from_date=from_date,
        until_date=until_date,
        metadata_prefix=metadata_prefix,
        cursor=cursor,
    )
