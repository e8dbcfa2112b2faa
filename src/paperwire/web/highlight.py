"""Titles and excerpts of abstracts with the query's words marked, safe to put in a page.

The text is split into words and gaps; every piece is escaped, and only the tags this module
adds are markup. Matching is by a crude stem (lower case, common English endings dropped) so
"networks" marks "network", as the keyword index would match it.

Maths. A title keeps its ``$...$`` for KaTeX to typeset in the page, so no word inside it is
marked: a ``<mark>`` would split the formula and KaTeX would leave it raw. An excerpt is cut
from the middle of an abstract, where a formula may be cut in two and text commands
(``\\textbf{...}``) are nothing KaTeX typesets; so the excerpt is made readable instead (LaTeX
to Unicode, the rule the mail uses: ``catalogue.mathtext``) and then marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.catalogue.mathtext import is_latex, readable
from paperwire.search import WORD, stem

EXCERPT_CHARS = 320
# What the page's KaTeX typesets (static/web/site.js): $$..$$, \[..\], $..$, \(..\).
_MATHS = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|(?<!\\)\$.+?(?<!\\)\$|\\\(.+?\\\)", re.DOTALL)
_DOLLAR = re.compile(r"(?<!\\)\$")


def stems(words: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for text in words:
        found.update(stem(w) for w in WORD.findall(text) if len(w) > 1)
    return frozenset(found)


def excerpt(abstract: str, terms: frozenset[str], length: int = EXCERPT_CHARS) -> str:
    """About ``length`` characters of the abstract as a reader sees it (its LaTeX made
    readable), starting near the first matching word."""
    text = " ".join(abstract.split())
    start, stop = 0, len(text)
    shown = text
    if is_latex(text):
        # Converting is the slow part (about a millisecond an abstract, twenty a page): convert
        # a window around the first match, twice as long as the excerpt, since commands shrink.
        start, stop = _outside_maths(text, *_bounds(text, terms, 2 * length))
        shown = readable(text[start:stop], True)
    first, last = _bounds(shown, terms, length)
    before = start > 0 or first > 0
    after = stop < len(text) or last < len(shown)
    return ("… " if before else "") + shown[first:last] + (" …" if after else "")


def _bounds(text: str, terms: frozenset[str], length: int) -> tuple[int, int]:
    """Where a piece of about ``length`` characters starts and stops: a little before the
    first matching word, at word boundaries."""
    if len(text) <= length:
        return 0, len(text)
    start = 0
    for match in WORD.finditer(text):
        if stem(match.group()) in terms:
            start = max(0, match.start() - length // 4)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    stop = min(len(text), start + length)
    cut = text.rfind(" ", start, stop)
    if stop < len(text) and cut - start > length // 2:
        stop = cut
    return start, stop


def _outside_maths(text: str, start: int, stop: int) -> tuple[int, int]:
    """The window moved so that it cuts no inline formula in two: a half formula converts into
    nonsense (its maths read as text)."""
    dollars = [m.start() for m in _DOLLAR.finditer(text)]
    opened = [d for d in dollars if d < start]
    if len(opened) % 2:
        start = opened[-1]  # begin at the formula's opening $
    inside = [d for d in dollars if start <= d < stop]
    if len(inside) % 2:
        stop = inside[-1]  # end before the formula that the window would cut
        if stop <= start:  # one formula longer than the window: take it whole
            closing = [d for d in dollars if d > start]
            stop = closing[0] + 1 if closing else len(text)
    return start, stop


def highlight(text: str, terms: frozenset[str]) -> SafeString:
    """A title with the query's words marked; its maths left whole for KaTeX."""
    maths = [m.span() for m in _MATHS.finditer(text)] if is_latex(text) else []
    return _marked(text, terms, maths)


def highlighted_excerpt(abstract: str, terms: frozenset[str]) -> SafeString:
    """The abstract's excerpt, readable, with the query's words marked."""
    text = excerpt(abstract, terms)
    # What is left of "$" after conversion is a literal dollar (from \$): each goes in an
    # element of its own so that KaTeX, which pairs dollars within one run of text, finds no
    # formula between two prices.
    return mark_safe(  # noqa: S308 — _marked escaped every piece; "$" is no markup
        _marked(text, terms, []).replace("$", "<span>$</span>")
    )


def _marked(text: str, terms: frozenset[str], skip: Sequence[tuple[int, int]]) -> SafeString:
    if not terms:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in WORD.finditer(text):
        if stem(match.group()) in terms and not _within(match.start(), skip):
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 — every piece above is escaped


def _within(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < stop for start, stop in spans)
