"""Excerpts of abstracts with the query's words marked, safe to put in a page.

The text is split into words and gaps; every piece is escaped, and only the ``<mark>`` tags
this module adds are markup. Matching is by a crude stem (lower case, common English
endings dropped) so "networks" marks "network", as the keyword index would match it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.search.terms import WORD, stem


def stems(words: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for text in words:
        found.update(stem(w) for w in WORD.findall(text) if len(w) > 1)
    return frozenset(found)


def excerpt(text: str, terms: frozenset[str], length: int = 320) -> str:
    """About ``length`` characters of ``text``, starting near the first matching word."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    start = 0
    for match in WORD.finditer(text):
        if stem(match.group()) in terms:
            start = max(0, match.start() - length // 4)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    piece = text[start : start + length]
    cut = piece.rfind(" ")
    if start + length < len(text) and cut > length // 2:
        piece = piece[:cut]
    return ("… " if start else "") + piece + (" …" if start + len(piece) < len(text) else "")


def highlight(text: str, terms: frozenset[str]) -> SafeString:
    if not terms:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in WORD.finditer(text):
        if stem(match.group()) in terms:
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 — every piece above is escaped
