"""Error pages: a short message, the right status, never a stack trace."""

from __future__ import annotations

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.shortcuts import render


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = "Too many requests in a short time. Wait a minute and try again."
    if request.headers.get("HX-Request") or request.path.startswith("/api/"):
        return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    return render(request, "web/error.html", {"status": 429, "message": message}, status=429)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception.args[0]) if exception and exception.args else "There is no such page."
    if not isinstance(message, str) or message.startswith("{"):
        message = "There is no such page."
    return render(request, "web/error.html", {"status": 404, "message": message}, status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response = render(
        request,
        "web/error.html",
        {"status": 400, "message": "That request is malformed."},
        status=400,
    )
    # A Host header outside ALLOWED_HOSTS is refused by CommonMiddleware, so the middleware
    # after it never sees this answer: add their headers here, by their own code and settings
    # (each leaves a header it finds already set, so a 400 raised in a view is unchanged).
    for middleware in (CSPMiddleware, XFrameOptionsMiddleware):
        middleware(_unused).process_response(request, response)
    return response


def _unused(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only process_response is called")


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"status": 500, "message": "Something broke on our side; it has been logged."},
        status=500,
    )
