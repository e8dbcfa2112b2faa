"""Links worth showing: code, models, project pages. One rule for every link, whether found in
a paper's abstract or comments (``find_links``) or stated by a source (``classify``), so the
same page always gets the same URL and kind and a paper never lists it twice."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from paperwire.sources.records import Link, LinkKind

# Scheme optional: abstracts often say "github.com/org/repo". arXiv's hard wraps have been
# folded into spaces by then, so a URL never contains whitespace.
_URL_RE = re.compile(
    r"(?:https?://|(?<![\w./@-])(?=(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/))"
    r"[^\s<>\"'{}|\\^`\[\]]+",
    re.IGNORECASE,
)
_HINTS = ("http", "github", "gitlab", "huggingface", "hf.co/")
_TRAILING = ".,;:!?)]}'\"*"
# Hosts (without "www.") that are citations, licences or arXiv itself, never a paper's own page.
_NOT_PROJECT = (
    "arxiv.org", "doi.org", "dx.doi.org", "creativecommons.org", "ieee.org",
    "ieeexplore.ieee.org", "dl.acm.org", "link.springer.com", "sciencedirect.com",
    "aclanthology.org", "openreview.net",
    "proceedings.neurips.cc", "papers.nips.cc", "proceedings.mlr.press", "openaccess.thecvf.com",
    "zenodo.org", "nature.com", "journals.aps.org", "iopscience.iop.org",
)  # fmt: skip
_HF_NON_REPO = {"papers", "docs", "blog", "learn", "join", "login", "pricing", "tasks", "settings"}


def find_links(*texts: str) -> list[Link]:
    """Every distinct link in ``texts``, classified, in the order found."""
    links: dict[str, Link] = {}
    for text in texts:
        if not text or not _may_have_link(text):
            continue  # most abstracts have no URL: a cheap test spares the full scan
        for match in _URL_RE.finditer(text):
            link = classify(match.group(0))
            if link is not None and link.url not in links:
                links[link.url] = link
    return list(links.values())


def _may_have_link(text: str) -> bool:
    # Plain substring tests on a lowered copy: several times cheaper than a regex search.
    lowered = text.lower()
    return any(hint in lowered for hint in _HINTS)


def classify(raw: str) -> Link | None:
    """The link ``raw`` names, normalised, or None when it is not worth showing (a citation,
    a licence, arXiv itself, a code host's owner page)."""
    url = raw.strip().rstrip(_TRAILING)
    if url.count("(") < url.count(")"):
        url = url.rstrip(")")
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    segments = [s for s in parts.path.split("/") if s]
    host = host.removeprefix("www.")
    # Self-hosted GitLab instances (gitlab.example.org) are as much code as gitlab.com.
    if host in ("github.com", "gitlab.com") or host.startswith("gitlab."):
        if len(segments) < 2:
            return None  # a user or organisation page, not a repository
        kind = LinkKind.GITHUB if host == "github.com" else LinkKind.GITLAB
        repo = segments[1].removesuffix(".git")
        return Link(kind, f"https://{host}/{segments[0]}/{repo}")
    if host in ("huggingface.co", "hf.co"):
        return _huggingface(segments)
    if host in _NOT_PROJECT or host.endswith((".arxiv.org", ".doi.org")):
        return None
    return Link(LinkKind.PROJECT, url)


def _huggingface(segments: list[str]) -> Link | None:
    kinds = {"datasets": LinkKind.HF_DATASET, "spaces": LinkKind.HF_SPACE}
    if segments and segments[0] in kinds:
        if len(segments) < 3:
            return None
        prefix = segments[0]
        return Link(kinds[prefix], f"https://huggingface.co/{prefix}/{segments[1]}/{segments[2]}")
    if len(segments) >= 2 and segments[0] not in _HF_NON_REPO:
        return Link(LinkKind.HF_MODEL, f"https://huggingface.co/{segments[0]}/{segments[1]}")
    return None
