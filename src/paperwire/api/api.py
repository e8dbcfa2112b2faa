"""The JSON API: one NinjaAPI, its error handling and its self-hosted docs page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from paperwire.api import (
    comments,
    errors,
    foryou,
    groups,
    hf,
    inbox,
    library,
    people,
    reads,
    writes,
)
from paperwire.api.errors import error_response
from paperwire.api.openapi import PaperwireAPI

# Swagger UI as ninja ships it, served from this site: the content security policy allows
# scripts and styles from 'self' only, so ninja's CDN page would be blank.
ASSETS_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}


class SelfHostedSwagger(DocsBase):
    settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        config = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request,
            "paperwire_api/swagger.html",
            {"api": api, "swagger_settings": json.dumps(config).replace("<", "\\u003c")},
        )


def asset(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in ASSETS:
        return error_response(404, f"no such file: {name[:60]}")
    response = FileResponse((ASSETS_DIR / name).open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


DESCRIPTION = """\
paperwire's papers, lists, search and community actions as JSON.

Reads need no account. `upvote` and `submit` need an API token sent as
`Authorization: Bearer <token>`. Every error is JSON `{"detail": "..."}` with a 4xx status
(invalid parameters: 400). `/api/daily_papers` answers like Hugging Face's endpoint of that
name. See docs/api.md.
"""

api = PaperwireAPI(
    title="paperwire API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=SelfHostedSwagger(),
    docs_decorator=require_safe,  # the document and its page are read, never posted to
)
errors.install(api)
# Order matters: /papers/{path}/upvote and /similar come before /papers/{path}, which would
# otherwise take "…/upvote" as part of an old-style id.
api.add_router("", writes.router)
api.add_router("", library.router)
api.add_router("", library.public_router)
api.add_router("", foryou.router)
api.add_router("", comments.router)
api.add_router("", people.router)
api.add_router("", groups.router)
api.add_router("", inbox.router)
api.add_router("", hf.router)
api.add_router("", reads.router)
