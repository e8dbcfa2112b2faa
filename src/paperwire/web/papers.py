"""A paper's page, its upvote button, and submitting a paper to a day's list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from paperwire.catalogue.models import Paper
from paperwire.community.submissions import SubmissionError, submit
from paperwire.community.votes import toggle_vote, voted_ids
from paperwire.search import Result, UnknownPaper, similar
from paperwire.sources.arxiv_ids import InvalidArxivId, parse_id_or_url
from paperwire.web.bibtex import bibtex
from paperwire.web.caching import anonymous_cache
from paperwire.web.limits import limited

SIMILAR = 8
SIMILAR_CACHE_SECONDS = 600


@anonymous_cache(reads=())
def paper_page(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    try:
        wanted = parse_id_or_url(arxiv_id)
    except InvalidArxivId as exc:
        raise Http404(str(exc)) from None
    if wanted.id != arxiv_id:  # a version or another spelling: one address per paper
        return redirect("paper", arxiv_id=wanted.id, permanent=True)
    paper = Paper.objects.visible().filter(arxiv_id=wanted.id).first()
    if paper is None:
        return render(request, "web/paper_missing.html", {"arxiv_id": wanted.id}, status=404)
    return render(
        request,
        "web/paper.html",
        {
            "paper": paper,
            "bibtex": bibtex(paper),
            "voted": voted_ids(request.user, [paper.arxiv_id]),
        },
    )


@anonymous_cache(reads=())
def similar_papers(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """A paper's neighbours: a fragment the paper page loads after itself, or a page."""
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404(f"{arxiv_id} is not in the catalogue")
    context = {"paper": paper, "similar": _similar(paper)}
    if request.headers.get("HX-Request"):
        return render(request, "web/_similar.html", context)
    return render(request, "web/similar.html", context)


def _similar(paper: Paper) -> list[Paper]:
    key = f"similar:{paper.arxiv_id}"
    ids: list[str] | None = cache.get(key)
    if ids is None:
        try:
            results: list[Result] = similar(paper.arxiv_id, SIMILAR).results
        except UnknownPaper:
            results = []
        ids = [r.paper.arxiv_id for r in results]
        cache.set(key, ids, SIMILAR_CACHE_SECONDS)
    found = Paper.objects.visible().in_bulk(ids, field_name="arxiv_id")
    return [found[i] for i in ids if i in found]


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES")
def upvote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404(f"{arxiv_id} is not in the catalogue")
    state = toggle_vote(request.user, paper)  # type: ignore[arg-type]  # login_required
    if request.headers.get("HX-Request"):
        return render(
            request,
            "web/_vote.html",
            {"paper": paper, "voted": {paper.arxiv_id} if state.voted else set()},
        )
    return redirect(_back(request, paper))


@login_required
@limited("RATE_LIMIT_SUBMISSIONS")
def submit_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        text = request.POST.get("paper", "")
        try:
            done = submit(request.user, text)  # type: ignore[arg-type]
        except SubmissionError as exc:
            messages.error(request, str(exc))
            return render(request, "web/submit.html", {"value": text[:300]}, status=400)
        messages.success(
            request,
            f"{done.paper.arxiv_id} is on the list of {done.paper.daily_date:%Y-%m-%d}.",
        )
        return redirect("paper", arxiv_id=done.paper.arxiv_id)
    return render(request, "web/submit.html", {"value": request.GET.get("paper", "")[:300]})


def _back(request: HttpRequest, paper: Paper) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return f"/papers/{paper.arxiv_id}"
