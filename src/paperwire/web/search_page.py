"""The search page: a query box, filters, sort, pages of results, live as you type (htmx)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from paperwire.community.votes import voted_ids
from paperwire.search import (
    EmbeddingProgress,
    Mode,
    SearchResponse,
    Sort,
    embedding_progress,
    embedding_under_way,
    search,
)
from paperwire.web.caching import anonymous_cache
from paperwire.web.highlight import highlight, highlighted_excerpt, stems
from paperwire.web.paging import page_number

PAGE_SIZE = 20
MAX_PAGE = 25  # 500 results: past that, a query wants refining, not paging
FILTER_FIELDS = ("cat", "author", "since", "until")
PROGRESS_KEY = "search:embedding-progress"
# The engine says why the semantic half did not answer only in words: its note starts so, and
# an index problem names its cure, which an embedding job at work applies as it goes (it adds
# what it embedded to the vector index every couple of thousand papers).
SEMANTIC_NOTE = "semantic search is unavailable"
INDEX_CURE = "`paperwire reindex`"


def engine_query(request: HttpRequest) -> str:
    """The query box plus the form's filter fields, in the engine's query syntax."""
    parts = [request.GET.get("q", "")[:2000]]
    for name in FILTER_FIELDS:
        value = " ".join(request.GET.get(name, "").split())[:200].replace('"', "")
        if value:
            parts.append(f'{name}:"{value}"')
    if request.GET.get("code"):
        parts.append("has:code")
    return " ".join(p for p in parts if p)


def permalink(request: HttpRequest, **changes: object) -> str:
    params = {k: request.GET.get(k, "") for k in ("q", *FILTER_FIELDS, "code", "sort", "mode")}
    params.update({k: str(v) for k, v in changes.items()})
    kept = {k: v for k, v in params.items() if v and not (k == "page" and v == "1")}
    return "/search?" + urlencode(kept)


@anonymous_cache
def search_page(request: HttpRequest) -> HttpResponse:
    raw = engine_query(request)
    sort = Sort.NEWEST if request.GET.get("sort") == "newest" else Sort.RELEVANCE
    mode = {m.value: m for m in Mode}.get(request.GET.get("mode", ""), Mode.HYBRID)
    number = min(page_number(request), MAX_PAGE)
    context: dict[str, object] = {
        "q": request.GET.get("q", "")[:2000],
        "filters": {name: request.GET.get(name, "")[:200] for name in FILTER_FIELDS},
        "code": bool(request.GET.get("code")),
        "sort": sort.value,
        "mode": mode.value,
        "feed_query": urlencode({"q": raw}) if raw else "",
    }
    if raw.strip():
        answer = search(raw, mode=mode, sort=sort, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        if answer.mode == "id" and answer.results and not request.headers.get("HX-Request"):
            return redirect("paper", arxiv_id=answer.results[0].paper.arxiv_id)
        terms = stems([*answer.query.words, *answer.query.phrases])
        ids = [r.paper.arxiv_id for r in answer.results]
        context.update(
            answer=answer,
            notes=visitor_notes(answer, asked_semantic=mode is not Mode.LEXICAL),
            rows=[
                {
                    "result": r,
                    "paper": r.paper,
                    "title": highlight(r.paper.title, terms),
                    "excerpt": highlighted_excerpt(r.paper.abstract, terms),
                }
                for r in answer.results
            ],
            voted=voted_ids(request.user, ids),
            page=number,
            first_index=(number - 1) * PAGE_SIZE + 1,
            last_index=(number - 1) * PAGE_SIZE + len(answer.results),
            previous_url=permalink(request, page=number - 1) if number > 1 else "",
            next_url=(
                permalink(request, page=number + 1) if answer.has_more and number < MAX_PAGE else ""
            ),
            permalink=permalink(request, page=number),
        )
    template = "web/_results.html" if request.headers.get("HX-Request") else "web/search.html"
    return render(request, template, context)


def visitor_notes(answer: SearchResponse, *, asked_semantic: bool) -> list[str]:
    """The engine's notes, except that while an embedding job is at work a visitor learns how
    far semantic search has got instead of being told to run a command."""
    notes = list(answer.notes)
    if not asked_semantic or answer.query.is_empty:
        return notes
    failed = [n for n in notes if n.startswith(SEMANTIC_NOTE)]
    if answer.mode not in ("hybrid", "semantic"):
        if not failed or not all(INDEX_CURE in n for n in failed):
            return notes  # unavailable for another reason (switched off, no model): say so
        progress = current_progress()
        if progress is None or not progress.under_way:
            return notes
        return [n for n in notes if n not in failed] + [
            f"Semantic search is being prepared: {_count(progress)}; results are keyword "
            "matches until then."
        ]
    progress = current_progress()
    if progress is not None and progress.under_way and not progress.complete:
        notes.append(
            f"Semantic search is being prepared: {_count(progress)}; until then, matches by "
            "meaning come from those papers only."
        )
    return notes


def _count(progress: EmbeddingProgress) -> str:
    return f"{progress.embedded:,} of {progress.total:,} papers embedded ({progress.percent} %)"


def current_progress() -> EmbeddingProgress | None:
    """The embedding job's progress while one is at work. Counting scans the catalogue, so it is
    done once a page-cache period for every search that asks (the shared cache), and only
    after the cheap check that a job is at work at all."""
    if not embedding_under_way():
        return None
    held = cache.get(PROGRESS_KEY)
    if isinstance(held, EmbeddingProgress):
        return held
    progress = embedding_progress()
    if progress is not None:
        cache.set(PROGRESS_KEY, progress, max(settings.PAGE_CACHE_SECONDS, 1))
    return progress
