"""Every error the API answers is JSON ``{"detail": "<one line>"}``, with a 4xx status for
anything a caller sent; a bug is a JSON 500 too, logged, never a page or a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import OperationalError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    RawPostDataException,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from paperwire.api.auth import RateLimited

log = logging.getLogger(__name__)

MAX_DETAIL = 300


def error_response(status: int, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"detail": one_line(detail)}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"


def describe_validation(errors: list[dict[str, Any]]) -> str:
    """pydantic's error list as one readable line: ``query.limit: Input should be ≤ 100``."""
    parts = []
    for error in errors[:5]:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("", None)]
        # ninja nests a body's fields under the parameter's name: body.payload.paper → body.paper
        if len(loc) > 2 and loc[0] == "body":
            loc = [loc[0], *loc[2:]]
        where = ".".join(loc)
        message = str(error.get("msg", "is not valid"))
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or "the request is not valid"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = {
            "detail": one_line(describe_validation(exc.errors)),
            # The machine-readable list stays, for clients that want the field paths.
            "errors": [
                {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
                for e in exc.errors
            ],
        }
        return JsonResponse(body, status=400)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message
        if message == "Unauthorized":  # ninja's own, when no credentials were sent at all
            message = "this needs an API token: send the header Authorization: Bearer <token>"
        if exc.status_code == 401:
            return error_response(401, message, WWW_Authenticate='Bearer realm="paperwire"')
        return error_response(exc.status_code, message)

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        return error_response(429, exc.message, Retry_After=str(exc.retry_after))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code, exc.message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else ""
        return error_response(404, message or "not found")

    # A body Django cannot read: a multipart Content-Type without a boundary, too many fields,
    # a client gone mid-upload. Django raises these when request.POST is first read, which
    # ninja's CSRF check for session auth does before any view runs; a multipart body it did
    # read is then gone from the stream when ninja reads the JSON (RawPostDataException).
    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(RawPostDataException)
    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(BadRequest)
    @api.exception_handler(UnreadablePostError)
    def unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(
            400, "the request body could not be read: send JSON (Content-Type: application/json)"
        )

    @api.exception_handler(OperationalError)
    def busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        log.warning("API %s %s: database error: %s", request.method, request.path, exc)
        return error_response(503, "the database is busy; try again shortly", Retry_After="5")

    @api.exception_handler(Exception)
    def crashed(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API %s %s failed", request.method, request.path)
        return error_response(500, "something broke on our side; it has been logged")


def json_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap a view under /api/ so that every method gets a JSON answer:

    - HEAD is answered as GET, as Django's own class-based views do (the server drops the
      body); ninja dispatches on the method and would otherwise answer 405;
    - a 405 made by ninja or Django is JSON, with ``Allow`` naming HEAD wherever GET is;
    - Django's CSRF middleware stays out (ninja's views are exempt already, the others are
      made so): its failure page is HTML, and no API view relies on it, since the session-
      authenticated token endpoints have ninja check the CSRF token itself.
    """

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        method = request.method
        if method == "HEAD":
            request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.method = method
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = {m.strip() for m in response.get("Allow", "").split(",") if m.strip()}
            if "GET" in allowed:
                allowed.add("HEAD")
            allow = ", ".join(sorted(allowed))
            return error_response(405, f"{method} is not allowed here; use {allow}", Allow=allow)
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response(404, f"there is no API endpoint {request.path[:100]}; see /api/docs")
