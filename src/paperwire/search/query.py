"""What a user types into the search box, parsed into words, phrases and filters.

Syntax: plain words; "quoted phrases"; ``author:name`` (or ``author:"first last"``);
``cat:cs.LG``; ``since:2024-01-01`` / ``until:2024-12-31`` (also ``2024`` or ``2024-03``);
``has:code``. An arXiv id or arxiv.org URL on its own goes straight to that paper.

Parsing never fails: anything it cannot read as syntax is taken as words, and problems worth
telling the user (an unknown date, an unbalanced quote) are kept in ``notes``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from paperwire.search.filters import Filters
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url

MAX_QUERY_CHARS = 1000  # a longer query is cut here: no one means 10,000 characters of it
MAX_TERMS = 64


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"


@dataclass
class ParsedQuery:
    text: str  # the words and phrases as one string, for the embedding model
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    arxiv_id: str | None = None  # the query named a paper
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)


_TOKEN_RE = re.compile(
    r'(?P<key>[A-Za-z]+):(?:"(?P<qval>[^"]*)"|(?P<val>\S+))|"(?P<phrase>[^"]*)"|(?P<word>\S+)'
)
_WORD_RE = re.compile(r"\w+(?:[-.'’]\w+)*", re.UNICODE)
_FILTER_KEYS = {
    "author",
    "au",
    "cat",
    "category",
    "since",
    "from",
    "until",
    "to",
    "has",
    "before",
    "after",
}


def parse_query(raw: str) -> ParsedQuery:
    notes: list[str] = []
    text = _sanitise(raw)
    if len(text) > MAX_QUERY_CHARS:
        notes.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    stripped = text.strip()
    if stripped and " " not in stripped:
        try:
            arxiv = parse_id_or_url(stripped)
        except InvalidArxivId:
            pass
        else:
            return ParsedQuery(text=stripped, arxiv_id=arxiv.id)
    if text.count('"') % 2:
        notes.append("an unbalanced quote was ignored")
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]

    words: list[str] = []
    phrases: list[str] = []
    filters = Filters()
    for match in _TOKEN_RE.finditer(text):
        key = (match.group("key") or "").lower()
        if key in _FILTER_KEYS:
            value = (
                match.group("qval") if match.group("qval") is not None else match.group("val")
            ).strip()
            _apply_filter(filters, key, value, notes)
        elif match.group("phrase") is not None:
            phrase_words = _WORD_RE.findall(match.group("phrase"))
            if len(phrase_words) > 1:
                phrases.append(" ".join(phrase_words))
            else:
                words.extend(phrase_words)
        else:
            words.extend(_WORD_RE.findall(match.group(0)))
    if len(words) + len(phrases) > MAX_TERMS:
        notes.append(f"only the first {MAX_TERMS} words were used")
        words = words[: max(0, MAX_TERMS - len(phrases))]
        phrases = phrases[:MAX_TERMS]
    plain = " ".join([*phrases, *words])
    return ParsedQuery(text=plain, words=words, phrases=phrases, filters=filters, notes=notes)


def _apply_filter(filters: Filters, key: str, value: str, notes: list[str]) -> None:
    if not value:
        return
    if key in ("author", "au"):
        name = " ".join(_WORD_RE.findall(value))
        if name:
            filters.authors.append(name)
    elif key in ("cat", "category"):
        filters.categories.extend(c for c in value.split(",") if c)
    elif key in ("since", "from", "after"):
        day = _date(value, end=False)
        if day is None:
            notes.append(f"{key}:{value} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        filters.since = day or filters.since
    elif key in ("until", "to", "before"):
        day = _date(value, end=True)
        if day is None:
            notes.append(f"{key}:{value} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        filters.until = day or filters.until
    elif key == "has":
        if value.lower() in ("code", "github", "repo"):
            filters.has_code = True
        else:
            notes.append(f"has:{value} is not known (try has:code)")


def _date(value: str, *, end: bool) -> dt.date | None:
    try:
        if re.fullmatch(r"\d{4}", value):
            year = int(value)
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if re.fullmatch(r"\d{4}-\d{2}", value):
            year, month = map(int, value.split("-"))
            start = dt.date(year, month, 1)
            if not end:
                return start
            following = dt.date(year + (month == 12), month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _sanitise(raw: object) -> str:
    """Control characters become spaces; the rest is normalised (NFKC) Unicode."""
    if not isinstance(raw, str):
        return ""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
