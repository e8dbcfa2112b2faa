"""A BibTeX entry for a paper, in the form arXiv's own export gives.

The rule for a paper's fields lives with the library's exports (``bibtex_fields``), so the
paper page and a collection's .bib file never disagree."""

from __future__ import annotations

from paperwire.library import cite_key
from paperwire.library import paper_bibtex as bibtex

__all__ = ["bibtex", "cite_key"]
