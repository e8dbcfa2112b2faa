"""Authors' and organisations' pages, following them, claiming authorship, and the reader's
own page of what they follow and claim.

``/authors/<name>`` and ``/orgs/<name>`` are everyone's: cached for anonymous visitors by the
name and the page number (``anonymous_cache``); a signed-in reader's page (their follow
button, their claim) is rendered for them alone. ``/following`` is the reader's own: it is
never cached and shows nobody else's follows or claims.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from paperwire.catalogue.models import Paper
from paperwire.community import (
    ClaimError,
    FollowError,
    claim_author,
    claim_paper,
    claims_of,
    follows_of,
    is_following,
    name_papers,
    profile,
    set_follow,
    withdraw,
)
from paperwire.community.models import Kind
from paperwire.community.votes import voted_ids
from paperwire.web.caching import PAGE_PARAMETERS, anonymous_cache
from paperwire.web.limits import limited
from paperwire.web.paging import Page, page_number

PAGE_SIZE = 30
MAX_NAME = 300
KINDS = {"authors": Kind.AUTHOR, "orgs": Kind.ORG}
PREFIX: dict[str, str] = {Kind.AUTHOR: "authors", Kind.ORG: "orgs"}


def name_path(kind: str, name: str) -> str:
    from urllib.parse import quote

    return f"/{PREFIX[kind]}/{quote(name, safe='')}"


@anonymous_cache(reads=PAGE_PARAMETERS)
def author_page(request: HttpRequest, name: str) -> HttpResponse:
    return _name_page(request, Kind.AUTHOR, name)


@anonymous_cache(reads=PAGE_PARAMETERS)
def org_page(request: HttpRequest, name: str) -> HttpResponse:
    return _name_page(request, Kind.ORG, name)


def _name_page(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    name = " ".join(name.split())[:MAX_NAME]
    about = profile(kind, name)
    number = page_number(request)
    rows = name_papers(kind, name, (number - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    page: Page[Paper] = Page(rows[:PAGE_SIZE], number, PAGE_SIZE, len(rows) > PAGE_SIZE)
    context: dict[str, Any] = {
        "kind": kind,
        "about": about,
        "page": page,
        "papers": page.items,
        "path": name_path(kind, about.name or name),
        "feed_path": name_path(kind, name),
        "following": is_following(request.user, kind, name),
        "voted": voted_ids(request.user, [p.arxiv_id for p in page.items]),
        "claimed": _claim_state(request, kind, about.key),
    }
    status = 200 if about.count else 404
    return render(request, "web/people/name.html", context, status=status)


def _claim_state(request: HttpRequest, kind: str, key: str) -> str:
    if kind != Kind.AUTHOR or not isinstance(request.user, User):
        return ""
    for claim in claims_of(request.user):
        if claim.paper_id is None and claim.key == key:
            return str(claim.status)
    return ""


@require_POST
@login_required
@limited("RATE_LIMIT_VOTES", group="people.follow")
def follow(request: HttpRequest, section: str, name: str) -> HttpResponse:
    kind = KINDS.get(section)
    if kind is None:
        raise Http404("no such page")
    wanted = request.POST.get("follow", "1") != "0"
    try:
        state = set_follow(request.user, kind, name, following=wanted)  # type: ignore[arg-type]
    except FollowError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request, name_path(kind, name)))
    if request.headers.get("HX-Request"):
        return render(
            request,
            "web/people/_follow.html",
            {"kind": kind, "following": state.following, "feed_path": name_path(kind, name)},
        )
    shown = state.name
    messages.success(
        request, f"You follow {shown}." if state.following else f"You no longer follow {shown}."
    )
    return redirect(_back(request, name_path(kind, name)))


@require_POST
@login_required
@limited("RATE_LIMIT_SUBMISSIONS", group="people.claim")
def claim_name(request: HttpRequest, name: str) -> HttpResponse:
    try:
        made = claim_author(request.user, name)  # type: ignore[arg-type]
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _claim_message(made.claim.status, f"the author {name}"))
    return redirect(_back(request, name_path(Kind.AUTHOR, name)))


@require_POST
@login_required
@limited("RATE_LIMIT_SUBMISSIONS", group="people.claim")
def claim_a_paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404(f"{arxiv_id} is not in the catalogue")
    try:
        made = claim_paper(request.user, paper, request.POST.get("name", "")[:MAX_NAME])  # type: ignore[arg-type]
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _claim_message(made.claim.status, paper.arxiv_id))
    return redirect(_back(request, f"/papers/{paper.arxiv_id}"))


def _claim_message(status: str, what: str) -> str:
    if status == "approved":
        return f"You are a verified author of {what}."
    if status == "rejected":
        return f"Your claim to {what} was rejected by a moderator."
    return f"Your claim to {what} waits for a moderator."


@never_cache
@login_required
def following_page(request: HttpRequest) -> HttpResponse:
    """The reader's follows, claims and their private feed of followed names' papers."""
    from paperwire.web.people_feeds import feed_token

    if request.method == "POST" and request.POST.get("withdraw", "").isdigit():
        if withdraw(request.user, int(request.POST["withdraw"])):  # type: ignore[arg-type]
            messages.success(request, "Claim withdrawn.")
        return redirect("people-following")
    follows = follows_of(request.user)
    return render(
        request,
        "web/people/following.html",
        {
            "follows": [(f, name_path(f.kind, f.name)) for f in follows],
            "claims": claims_of(request.user),  # type: ignore[arg-type]
            "feed_token": feed_token(request.user),
        },
    )


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
