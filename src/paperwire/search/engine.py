"""Hybrid search and similar papers: one code path for the CLI, the pages and the API.

A query is parsed (``query.py``); an arXiv id goes straight to its paper. Otherwise the
backend's lexical ranking and, when the embedding model and the vector index are available,
its semantic ranking are fused (a weighted sum of normalised scores, tuned on SciFact *train*).
When the semantic half is unavailable the search answers lexically and says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from paperwire.catalogue.models import Paper
from paperwire.search.backends import IndexUnavailable, get_backend
from paperwire.search.embeddings import EmbedderUnavailable, current_model_id, get_embedder
from paperwire.search.filters import Filters
from paperwire.search.fusion import weighted_fusion
from paperwire.search.hits import Hit
from paperwire.search.models import Embedding, decode_vector
from paperwire.search.query import ParsedQuery, Sort, parse_query

CANDIDATES = 100  # from each side, before fusion
# The semantic side's share in the weighted sum of min-max normalised scores. Tuned on SciFact
# train only (docs/search.md): 0.4–0.5 is a flat optimum (nDCG@10 0.733–0.735), ahead of
# reciprocal-rank fusion at any k tried (0.720–0.728).
SEMANTIC_WEIGHT = 0.45


class Mode(StrEnum):
    HYBRID = "hybrid"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


@dataclass
class Result:
    paper: Paper
    score: float
    lexical_rank: int | None = None
    semantic_rank: int | None = None


@dataclass
class SearchResponse:
    query: ParsedQuery
    results: list[Result]
    mode: str  # what actually answered: "hybrid", "lexical", "semantic", "id", "none"
    notes: list[str] = field(default_factory=list)
    has_more: bool = False


def search(
    raw: str,
    *,
    mode: Mode = Mode.HYBRID,
    sort: Sort = Sort.RELEVANCE,
    limit: int = 20,
    offset: int = 0,
    extra_filters: Filters | None = None,
) -> SearchResponse:
    parsed = parse_query(raw)
    if extra_filters:
        parsed.filters = parsed.filters.merged(extra_filters)
    notes = list(parsed.notes)
    if parsed.arxiv_id:
        paper = Paper.objects.visible().filter(arxiv_id=parsed.arxiv_id).first()
        if paper is None:
            notes.append(
                f"{parsed.arxiv_id} is not in the catalogue (paperwire add {parsed.arxiv_id})"
            )
            return SearchResponse(parsed, [], "id", notes)
        return SearchResponse(parsed, [Result(paper, 1.0)], "id", notes)
    if parsed.is_empty and not parsed.filters:
        notes.append("type some words, a phrase in quotes, or a filter such as cat:cs.LG")
        return SearchResponse(parsed, [], "none", notes)

    wanted = offset + limit + 1
    backend = get_backend()
    notes.extend(backend.notices())
    lexical: list[Hit] = []
    used: list[str] = []
    if mode is not Mode.SEMANTIC or parsed.is_empty:
        try:
            lexical = backend.lexical(parsed, max(CANDIDATES, wanted), sort)
            used.append("lexical")
        except IndexUnavailable as exc:
            notes.append(f"keyword search is unavailable: {exc}")
    semantic: list[Hit] = []
    if mode is not Mode.LEXICAL and not parsed.is_empty:
        try:
            semantic = _semantic(parsed, max(CANDIDATES, wanted))
            used.append("semantic")
        except (EmbedderUnavailable, IndexUnavailable) as exc:
            notes.append(f"semantic search is unavailable, results are keyword matches only: {exc}")

    if lexical and semantic:
        fused = weighted_fusion(lexical, semantic, SEMANTIC_WEIGHT)
    else:
        fused = lexical or semantic
    answered = "hybrid" if len(used) == 2 else (used[0] if used else "none")

    ranks_lex = {h.arxiv_id: n for n, h in enumerate(lexical, start=1)}
    ranks_sem = {h.arxiv_id: n for n, h in enumerate(semantic, start=1)}
    if sort is Sort.NEWEST:
        days = dict(
            Paper.objects.filter(arxiv_id__in=[h.arxiv_id for h in fused]).values_list(
                "arxiv_id", "announced_on"
            )
        )
        fused = sorted(fused, key=lambda h: days.get(h.arxiv_id) or dt.date.min, reverse=True)
    page = fused[offset : offset + limit]
    papers = Paper.objects.visible().in_bulk([h.arxiv_id for h in page], field_name="arxiv_id")
    results = [
        Result(papers[h.arxiv_id], h.score, ranks_lex.get(h.arxiv_id), ranks_sem.get(h.arxiv_id))
        for h in page
        if h.arxiv_id in papers
    ]
    return SearchResponse(parsed, results, answered, notes, has_more=len(fused) > offset + limit)


def _semantic(parsed: ParsedQuery, limit: int) -> list[Hit]:
    embedder = get_embedder()
    vector = embedder.encode_queries([parsed.text])[0]
    # Filtered inside the vector search (backends.base.SearchBackend.nearest), so a narrow
    # filter finds its papers at any catalogue size.
    return get_backend().nearest(vector, limit, parsed.filters or None)


# -- similar papers ------------------------------------------------------------------------


@dataclass
class SimilarResponse:
    paper: Paper
    results: list[Result]
    mode: str  # "semantic" or "lexical"
    notes: list[str] = field(default_factory=list)


class UnknownPaper(LookupError):
    pass


def similar(arxiv_id: str, limit: int = 10) -> SimilarResponse:
    """The paper's nearest neighbours by meaning, itself (and so its other versions) excluded;
    by shared words when it has no embedding yet."""
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise UnknownPaper(f"{arxiv_id} is not in the catalogue")
    notes: list[str] = []
    hits: list[Hit] = []
    mode = "semantic"
    row = (
        Embedding.objects.filter(paper=paper, model=current_model_id())
        .values_list("vector", flat=True)
        .first()
    )
    if row is not None:
        vector = decode_vector(row)
        try:
            hits = get_backend().nearest(vector, limit + 1)
        except IndexUnavailable as exc:
            notes.append(f"semantic neighbours are unavailable: {exc}")
    else:
        notes.append("this paper has no embedding yet: neighbours by shared words")
    if not hits:
        mode = "lexical"
        query = parse_query(paper.title)
        try:
            hits = get_backend().lexical(query, limit + 1)
        except IndexUnavailable as exc:
            notes.append(f"keyword search is unavailable: {exc}")
    hits = [h for h in hits if h.arxiv_id != paper.arxiv_id][:limit]
    papers = Paper.objects.visible().in_bulk([h.arxiv_id for h in hits], field_name="arxiv_id")
    results = [Result(papers[h.arxiv_id], h.score) for h in hits if h.arxiv_id in papers]
    return SimilarResponse(paper, results, mode, notes)
