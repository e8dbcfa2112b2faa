"""A BibTeX entry for a paper, in the form arXiv's own export gives."""

from __future__ import annotations

import re
import unicodedata

from paperwire.catalogue.models import Paper


def _braced(text: str) -> str:
    # Unbalanced braces would swallow the rest of the file: keep balanced ones, drop the rest.
    depth = 0
    kept = []
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    out = "".join(kept)
    return out + "}" * depth


def cite_key(paper: Paper) -> str:
    first = paper.authors[0] if paper.authors else "anon"
    surname = first.split()[-1] if first.split() else "anon"
    ascii_name = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z]", "", ascii_name).lower() or "anon"
    year = (
        paper.published.year
        if paper.published
        else (paper.announced_on.year if paper.announced_on else "")
    )
    word = next((w.lower() for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3), "paper")
    return f"{name}{year}{word}"


def bibtex(paper: Paper) -> str:
    fields = [
        ("title", _braced(" ".join(paper.title.split()))),
        ("author", " and ".join(_braced(a) for a in paper.authors)),
        ("year", str(paper.published.year) if paper.published else ""),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
        ("doi", paper.doi),
        ("url", paper.abs_url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{cite_key(paper)},\n{body}\n}}"
