"""What a filter matches: a paper's authors and categories as exact terms.

This is the one home of the filter rule. ``author:`` and ``cat:`` in a search, a digest topic,
a feed or a list all mean "the paper's terms contain this term":

* an author is their whole name, normalised: case folded, accents and other marks dropped,
  punctuation read as a space — so "Ana Müller" is "Ana Muller" and "ana  MÜLLER", but
  "Yang Li" is never "Yang Liu" (a name is one term, not a substring or a run of words);
* a category is exact (``cs.LG``) and its archive (``cs``) is a term too, so ``cat:cs`` means
  every ``cs.*`` paper; case is folded (arXiv never has two categories differing in case).

The terms are stored with the paper (``Paper.match_keys``), so each engine only asks "does the
set hold this term": tantivy with a term query, PostgreSQL with ``?`` on a GIN index, Python
with ``in``. None of them re-implements the normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

AUTHOR = "a:"
CATEGORY = "c:"
# Kinds of link that make a paper "have code" (has:code).
CODE_KINDS = frozenset({"github", "gitlab"})

_WORD = re.compile(r"\w+")
# Letters that carry no combining mark to drop, but that a reader types without: "Søren",
# "Łukasz", "Đorđe", "Ægir". (ß needs nothing: casefold makes it "ss".)
_PLAIN = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"}
)


def name_key(name: str) -> str:
    """A person's name as compared everywhere: "José  García-Núñez" -> "jose garcia nunez"."""
    if name.isascii():
        # The same result without the Unicode passes (NFKD leaves ASCII as it is, it has no
        # combining marks, and casefold is lower): most names, and an import normalises
        # every author of every paper (2.7 million papers, about 15 million names).
        return " ".join(_WORD.findall(name.lower()))
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(bare.casefold().translate(_PLAIN)))


def author_term(name: str) -> str:
    return AUTHOR + name_key(name)


def category_term(category: str) -> str:
    return CATEGORY + category.strip().casefold()


def paper_keys(authors: Iterable[str], categories: Iterable[str]) -> list[str]:
    """The terms a paper is found by, sorted (a stable stored form)."""
    terms = {AUTHOR + key for key in map(name_key, authors) if key}
    for category in categories:
        category = category.strip().casefold()
        if category:
            terms.add(CATEGORY + category)
            terms.add(CATEGORY + category.split(".", 1)[0])  # its archive: cs.LG -> cs
    return sorted(terms)


def has_code(links: Iterable[Mapping[str, str]]) -> bool:
    return any(link.get("kind") in CODE_KINDS for link in links)
