"""The web side of e-mail digests: subscribe, confirm, manage, unsubscribe, and a digest's
feedback links (save, more like this, less like this).

Every page but the form is reached through a signed link from a mail (see links.py); the
token in the address is the only authority, so these pages are never cached, and nothing
changes on a GET (mail scanners open links before people do). One-click unsubscribe
(RFC 8058) and the feedback button are the POSTs without a CSRF token: the signed token in
the address is what authorises them (see ``feedback_page``).
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from paperwire.catalogue.models import Paper
from paperwire.digests import links, subscriptions
from paperwire.digests.models import Digest, Frequency, Subscriber
from paperwire.digests.subscriptions import SubscriptionError
from paperwire.library import account_for_address, mark_from_address
from paperwire.web.limits import View, limited

TOPIC_EXAMPLES = (
    "graph neural networks",
    '"diffusion models" cat:cs.CV',
    'author:"Yoshua Bengio"',
    "cat:cs.LG has:code",
)


def _private(view: View) -> View:
    """No cache anywhere may keep the page, and its address (a token) goes to no other site.

    ``same-origin`` rather than ``no-referrer``: with no referrer at all a browser sends
    ``Origin: null`` with the page's own forms, which CSRF protection must refuse.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapper)


def _bad_link(
    request: HttpRequest, error: Exception, *, status: int = 400, feedback: bool = False
) -> HttpResponse:
    context = {"message": str(error), "feedback": feedback}
    return render(request, "digests/bad_link.html", context, status=status)


@_private
@limited("RATE_LIMIT_SUBSCRIBE")
@require_http_methods(["GET", "POST"])
def subscribe_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        email = request.POST.get("email", "")[:300]
        frequency = request.POST.get("frequency", Frequency.DAILY)
        include_trending = bool(request.POST.get("include_trending"))
        topics = request.POST.get("topics", "")[:10_000]
        try:
            subscriptions.subscribe(
                email,
                frequency,
                topics.splitlines(),
                user=request.user if request.user.is_authenticated else None,
                include_trending=include_trending,
            )
        except SubscriptionError as exc:
            form = {
                "email": email,
                "frequency": frequency,
                "include_trending": include_trending,
                "topics": topics,
            }
            return _subscribe_form(request, form, error=str(exc), status=400)
        # The same page whether the address is new, waiting or already confirmed: the form
        # never tells a stranger who subscribes here.
        return render(request, "digests/check_inbox.html", {"email": email.strip()})
    email = request.GET.get("email", "")[:254]
    if not email and request.user.is_authenticated:
        email = getattr(request.user, "email", "") or ""
    form = {"email": email, "frequency": Frequency.DAILY, "include_trending": True, "topics": ""}
    return _subscribe_form(request, form)


def _subscribe_form(
    request: HttpRequest, form: dict[str, Any], *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "frequencies": Frequency.choices,
        "examples": TOPIC_EXAMPLES,
        "max_topics": subscriptions.MAX_TOPICS,
        "hours": links.CONFIRM_MAX_AGE // 3600,
    }
    return render(request, "digests/subscribe.html", context, status=status)


@_private
@require_http_methods(["GET", "POST"])
def confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            subscriber = subscriptions.confirm(token)
        except links.BadLink as exc:
            return _bad_link(request, exc)
        return render(
            request,
            "digests/confirmed.html",
            {"subscriber": subscriber, "manage_path": _manage_path(subscriber)},
        )
    # A GET only looks: link checkers and scanners fetch it before the reader does.
    try:
        _subscriber(links.read_token(token, "confirm", max_age=links.CONFIRM_MAX_AGE))
    except links.BadLink as exc:
        return _bad_link(request, exc)
    return render(request, "digests/confirm.html", {"token": token})


@_private
@require_http_methods(["GET", "POST"])
def manage_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriptions.from_manage_token(token)
    except links.BadLink as exc:
        return _bad_link(request, exc)
    if request.method == "POST":
        topics_text = request.POST.get("topics", "")[:10_000]
        try:
            topics = subscriptions.clean_topics(topics_text.splitlines())
            frequency = subscriptions.clean_frequency(request.POST.get("frequency", ""))
        except SubscriptionError as exc:
            form = {
                "frequency": request.POST.get("frequency", subscriber.frequency),
                "include_trending": bool(request.POST.get("include_trending")),
                "topics": topics_text,
            }
            return _manage_form(request, subscriber, token, form, error=str(exc), status=400)
        subscriber.frequency = frequency
        subscriber.include_trending = bool(request.POST.get("include_trending"))
        subscriber.save(update_fields=["frequency", "include_trending"])
        subscriptions.set_topics(subscriber, topics)
        messages.success(request, "Saved.")
        return redirect("digests-manage", token=token)
    form = {
        "frequency": subscriber.frequency,
        "include_trending": subscriber.include_trending,
        "topics": "\n".join(_topics(subscriber)),
    }
    return _manage_form(request, subscriber, token, form)


def _manage_form(
    request: HttpRequest,
    subscriber: Subscriber,
    token: str,
    form: dict[str, Any],
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    feeds = [
        {
            "query": query,
            "rss": "/feeds/search.rss?" + urlencode({"q": query}),
            "atom": "/feeds/search.atom?" + urlencode({"q": query}),
            "search": "/search?" + urlencode({"q": query}),
        }
        for query in _topics(subscriber)
    ]
    context = {
        "subscriber": subscriber,
        "token": token,
        "form": form,
        "error": error,
        "feeds": feeds,
        "frequencies": Frequency.choices,
        "examples": TOPIC_EXAMPLES,
        "max_topics": subscriptions.MAX_TOPICS,
        "unsubscribe_path": reverse(
            "digests-unsubscribe", args=[links.make_token(subscriber.pk, "unsubscribe")]
        ),
    }
    return render(request, "digests/manage.html", context, status=status)


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a token; the link is signed
@_private
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            subscriber = subscriptions.unsubscribe(token)
        except links.BadLink as exc:
            return _bad_link(request, exc)
        return render(request, "digests/unsubscribed.html", {"subscriber": subscriber})
    try:
        subscriber = _subscriber(links.read_token(token, "unsubscribe"))
    except links.BadLink as exc:
        return _bad_link(request, exc)
    return render(request, "digests/unsubscribe.html", {"subscriber": subscriber, "token": token})


def _subscriber(subscriber_id: int) -> Subscriber:
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        raise links.BadLink("this subscription no longer exists")
    return subscriber


def _topics(subscriber: Subscriber) -> list[str]:
    return list(subscriber.topics.order_by("pk").values_list("query", flat=True))


def _manage_path(subscriber: Subscriber) -> str:
    return reverse("digests-manage", args=[links.make_token(subscriber.pk, "manage")])


# No CSRF token: the page is opened from a mail, often in a mail client's own browser, with
# no session and perhaps no cookies, and a CSRF token proves nothing a signed address does not
# already prove. Forging this POST needs the token, which only the mail's reader has; a page
# elsewhere that makes a browser post a token its author owns can only record a signal in the
# author's own library.
@csrf_exempt
@_private
@require_http_methods(["GET", "POST"])
def feedback_page(request: HttpRequest, token: str, paper: int, action: str) -> HttpResponse:
    """GET: one button saying what it will do (a scanner following the link changes nothing).
    POST: record it — in the library of the account with the subscriber's address, or kept
    by address until someone signs up with it."""
    try:
        subscriber_id, digest_id = links.read_feedback_token(token)
    except links.BadLink as exc:
        return _bad_link(request, exc, feedback=True)
    label = links.FEEDBACK_ACTIONS.get(action)
    digest = (
        Digest.objects.filter(pk=digest_id, subscriber_id=subscriber_id)
        .select_related("subscriber")
        .first()
    )
    in_digest = digest is not None and any(
        str(item.get("paper")) == str(paper) for item in digest.items
    )
    found = Paper.objects.filter(pk=paper).first() if in_digest else None
    if label is None or digest is None or found is None:
        error = links.BadLink("this link names no paper of your digest")
        return _bad_link(request, error, status=404, feedback=True)
    subscriber = digest.subscriber
    has_account = _has_account(subscriber)
    context = {
        "paper": found,
        "action": action,
        "label": label,
        "token": token,
        "email": subscriber.email,
        "has_account": has_account,
    }
    if request.method == "POST":
        mark_from_address(subscriber.email, found, action, source="mail")
        return render(request, "digests/feedback_done.html", context)
    return render(request, "digests/feedback.html", context)


def _has_account(subscriber: Subscriber) -> bool:
    # The same test as the library's routing (mark_from_address).
    return account_for_address(subscriber.email) is not None
