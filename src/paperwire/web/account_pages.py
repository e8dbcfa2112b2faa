"""The account page: the reader's address, API tokens, pinned filters, and their data —
export everything (one JSON file) and delete everything.

"Delete everything" removes the library (collections, entries, notes, tags), marks, upvotes,
per-reader state, API tokens and the ranking model, and keeps the account (the reader can
sign in and start again) unless they also tick "delete my account", which then also ends
their digest subscription. A digest subscription alone is kept by "delete everything": it is a
mailing the reader asked for, managed (and ended) from the link in every digest.

The orchestration is here because the parts are on both sides of the data flow: the library
(``paperwire.library.delete_reader_data``) is upstream of the ranking (``paperwire.foryou``)
and of the digests, which only this layer may import together.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from paperwire import discussion, groups
from paperwire.community import claims_of, follows_of
from paperwire.community.models import ApiToken
from paperwire.digests.models import Subscriber
from paperwire.library import FeedFilters, Reader, delete_reader_data, export_reader

MAX_TOKENS = 20
MAX_TOKEN_NAME = 100


def _engine() -> Any:
    # Imported on use, as in foryou_pages: the engine loads scikit-learn.
    from paperwire import foryou

    return foryou


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required


@never_cache
@login_required
def account_page(request: HttpRequest) -> HttpResponse:
    return _render(request)


def _render(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = _user(request)
    reader = Reader.objects.filter(user=user).first()
    context = {
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at"),
        "pinned": dict(reader.filters) if reader else {},
        "max_tokens": MAX_TOKENS,
        **extra,
    }
    return render(request, "web/account/account.html", context, status=status)


@never_cache
@require_POST
@login_required
def create_token(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    name = " ".join(request.POST.get("name", "").split()) or "token"
    if len(name) > MAX_TOKEN_NAME:
        messages.error(request, f"A token's name has at most {MAX_TOKEN_NAME} characters.")
        return _render(request, status=400)
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS:
        messages.error(request, f"At most {MAX_TOKENS} tokens: revoke one you no longer use.")
        return _render(request, status=400)
    token, secret = ApiToken.issue(user, name)
    # Rendered, not redirected: the secret is in this one answer (no-store) and nowhere else.
    return _render(request, new_token=token, new_secret=secret)


@require_POST
@login_required
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    gone = ApiToken.objects.filter(user=_user(request), pk=pk).delete()[0]
    if gone:
        messages.success(request, "The token is revoked: clients using it are refused from now.")
    return redirect("/account")


@require_POST
@login_required
def clear_filters(request: HttpRequest) -> HttpResponse:
    FeedFilters.unpin(_user(request))
    messages.success(request, "Your pinned filters are cleared.")
    return redirect("/account")


def export_everything(user: User) -> dict[str, Any]:
    """The library's export plus what lives downstream of it: the ranking model's metadata
    (never its bytes), digest subscriptions by the reader's address, followed names,
    authorship claims, the reader's comments with their earlier versions, and groups."""
    data = export_reader(user)
    data["ranking_model"] = _engine().model_info(user)
    data["subscriptions"] = [
        {
            "email": s.email,
            "frequency": s.frequency,
            "include_trending": s.include_trending,
            "status": s.status,
            "topics": [t.query for t in s.topics.all()],
            "created_at": s.created_at.isoformat(),
        }
        for s in _subscriptions(user).prefetch_related("topics")
    ]
    data["follows"] = [
        {"kind": f.kind, "name": f.name, "created_at": f.created_at.isoformat()}
        for f in follows_of(user)
    ]
    data["authorship_claims"] = [
        {
            "name": c.name,
            "arxiv_id": c.paper.arxiv_id if c.paper else None,
            "status": c.status,
            "created_at": c.created_at.isoformat(),
        }
        for c in claims_of(user)
    ]
    data["comments"] = [
        {
            "arxiv_id": c.paper.arxiv_id,
            "reply_to": c.parent_id,
            "id": c.pk,
            "body": c.body,
            "state": c.state,
            "created_at": c.created_at.isoformat(),
            "edited_at": c.edited_at.isoformat() if c.edited_at else None,
            "earlier_versions": [r.body for r in c.revisions.all()],
        }
        for c in discussion.Comment.objects.filter(author=user)
        .select_related("paper")
        .prefetch_related("revisions")
        .order_by("created_at", "pk")
    ]
    data["groups"] = [
        {
            "name": m.group.name,
            "slug": m.group.slug,
            "role": m.role,
            "joined_at": m.joined_at.isoformat(),
        }
        for m in groups.Membership.objects.filter(user=user).select_related("group")
    ]
    return data


def _subscriptions(user: User) -> Any:
    own = Q(user=user)
    if user.email:
        own |= Q(email=user.email.strip().lower())
    return Subscriber.objects.filter(own).order_by("pk")


@never_cache
@require_GET
@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    body = json.dumps(export_everything(user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"paperwire-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return response


@never_cache
@login_required
def delete_page(request: HttpRequest) -> HttpResponse:
    """GET: the confirmation step, saying what goes and what stays. POST: do it, once the
    reader has typed their address."""
    user = _user(request)
    if request.method != "POST":
        return render(request, "web/account/delete.html", {})
    typed = request.POST.get("confirm", "").strip()
    also_account = request.POST.get("account") == "yes"
    if typed.casefold() != (user.email or "").casefold():
        messages.error(request, "Type your e-mail address exactly to confirm; nothing was deleted.")
        return render(
            request, "web/account/delete.html", {"also_account": also_account}, status=400
        )
    with transaction.atomic():
        counts = delete_reader_data(user)
        _engine().forget(user)
        if also_account:
            _subscriptions(user).delete()
            user.delete()
    if also_account:
        logout(request)
        messages.success(request, "Your account and everything in it are deleted.")
        return redirect("/")
    messages.success(
        request,
        "Deleted: {collections} collections ({entries} papers with their notes and tags), "
        "{marks} marks, {votes} upvotes, {api_tokens} API tokens, and your ranking.".format(
            **counts
        ),
    )
    return redirect("/account")
