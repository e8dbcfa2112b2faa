"""arXiv identifiers: the two schemes, versions, and the URLs people paste."""

from __future__ import annotations

import re
from dataclasses import dataclass

# New scheme (April 2007 on): YYMM.NNNN until 2014, YYMM.NNNNN after.
_NEW = r"\d{4}\.\d{4,5}"
# Old scheme: archive(.subject class)/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_OLD = r"[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7}"
_ID_RE = re.compile(rf"^(?P<id>{_NEW}|{_OLD})(?:v(?P<version>\d+))?$")
_URL_RE = re.compile(
    rf"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    rf"(?P<rest>(?:{_NEW}|{_OLD})(?:v\d+)?)(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
# Identifiers as the OAI-PMH and Atom feeds spell them.
_PREFIXES = ("oai:arxiv.org:", "arxiv:", "http://arxiv.org/abs/", "https://arxiv.org/abs/")


class InvalidArxivId(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ArxivId:
    id: str  # without version
    version: int | None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an id with or without version; raise ``InvalidArxivId`` otherwise."""
    value = text.strip() if isinstance(text, str) else ""
    lowered = value.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix) :]
            break
    match = _ID_RE.match(value)
    if not match:
        raise InvalidArxivId(f"not an arXiv id: {_shorten(text)!r}")
    version = match.group("version")
    identifier = match.group("id")
    if "/" in identifier and "." in identifier.split("/")[0]:
        # "math.GT/0309136" is a citation habit; arXiv's id is "math/0309136".
        archive, number = identifier.split("/")
        identifier = f"{archive.split('.')[0]}/{number}"
    return ArxivId(identifier, int(version) if version else None)


def parse_id_or_url(text: str) -> ArxivId:
    """Accept ``2401.01234``, ``2401.01234v2``, ``hep-th/9901001`` or an arxiv.org abs/pdf URL."""
    value = text.strip()
    match = _URL_RE.match(value)
    if match:
        return parse_arxiv_id(match.group("rest"))
    try:
        return parse_arxiv_id(value)
    except InvalidArxivId:
        raise InvalidArxivId(
            f"not an arXiv id or arxiv.org URL: {_shorten(text)!r} "
            "(expected e.g. 2401.01234, hep-th/9901001 or https://arxiv.org/abs/2401.01234v2)"
        ) from None


def is_arxiv_category(text: str) -> bool:
    """arXiv categories ("cs.LG", "hep-th", "math-ph"), not MSC ("68Txx") or ACM ("I.2.10")."""
    match = _CATEGORY_RE.match(text)
    return match is not None and match.group(1) in ARCHIVES


_CATEGORY_RE = re.compile(r"^([a-z][a-z\-]*)(?:\.[A-Za-z][A-Za-z\-]*)?$")
# Every archive arXiv has used, the retired ones included (they appear in old records).
ARCHIVES = frozenset(
    {
        "astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph",
        "hep-th", "math", "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin",
        "quant-ph", "stat", "acc-phys", "adap-org", "alg-geom", "ao-sci", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "dg-ga", "funct-an", "mtrl-th", "patt-sol",
        "plasm-ph", "q-alg", "solv-int", "supr-con",
    }
)  # fmt: skip


def _shorten(text: object, limit: int = 80) -> str:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"
