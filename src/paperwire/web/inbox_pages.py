"""The reader's inbox on the site: ``/inbox`` (newest first, unread marked, mark read or all
read), ``/inbox/settings`` (each kind's inbox and mail switches), and the one-click address
in notification mail that turns that mail off.

Privacy. Every page answers only about the signed-in reader's own notifications
(``inbox_for(request.user)``); ids of anyone else's are simply not found. No page here goes
through ``anonymous_cache``, and every answer is ``Cache-Control: private, no-store``
(``never_cache``), so an inbox is never kept by the site's shared cache nor by a proxy.

The unsubscribe address is reached from a mail: the signed token in it is the only authority
(``inbox.unsubscribe_token``), a GET only shows a button (mail scanners open links), and the
POST needs no CSRF token, because RFC 8058's one-click POST comes from the mail client.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from paperwire.inbox import (
    InboxError,
    Kind,
    account_for_token,
    inbox_for,
    mark_read,
    preferences,
    set_preference,
    unsubscribe,
)
from paperwire.web.limits import limited
from paperwire.web.paging import page_number, paginate

PAGE_SIZE = 30


def _reader(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required ran first


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def inbox_page(request: HttpRequest) -> HttpResponse:
    page = paginate(inbox_for(_reader(request)), page_number(request), PAGE_SIZE)
    return render(request, "web/inbox/inbox.html", {"page": page, "items": page.items})


@never_cache
@login_required
@require_http_methods(["POST"])
@limited("RATE_LIMIT_VOTES", group="inbox")
def read_page(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (``id``), or all (``all``); back to the inbox."""
    user = _reader(request)
    if request.POST.get("all"):
        mark_read(user)
    else:
        raw = request.POST.get("id", "")
        if not raw.isdigit():
            messages.error(request, "say which notification to mark read (id) or all")
            return redirect("inbox")
        mark_read(user, [int(raw)])
    target = request.POST.get("next", "")
    # Only a path of this site (a paper's comment), never another site's address.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect("inbox")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@limited("RATE_LIMIT_VOTES", group="inbox")
def settings_page(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    if request.method == "POST":
        for kind in Kind.values:
            set_preference(
                user,
                kind,
                inbox=request.POST.get(f"{kind}-inbox") == "1",
                mail=request.POST.get(f"{kind}-mail") == "1",
            )
        messages.success(request, "Your notification settings are saved.")
        return redirect("inbox-settings")
    current = preferences(user)
    kinds = [(kind.value, kind.label, current[kind.value]) for kind in Kind]
    return render(request, "web/inbox/settings.html", {"kinds": kinds, "email": user.email})


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a token; the link is signed
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            unsubscribe(token)
            response = render(request, "web/inbox/unsubscribed.html")
        else:
            account_for_token(token)
            response = render(request, "web/inbox/unsubscribe.html", {"token": token})
    except InboxError as exc:
        response = render(request, "web/inbox/bad_link.html", {"message": str(exc)}, status=400)
    # The address is the authority: it must go to no other site in a Referer.
    response["Referrer-Policy"] = "same-origin"
    return response
