"""Mounted at /api/ by the root URLconf."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.http import require_safe

from paperwire.api.api import api, asset
from paperwire.api.errors import json_errors, not_found_view

_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        _pattern.callback = json_errors(_pattern.callback)


@require_safe
def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"openapi": "/api/openapi.json", "docs": "/api/docs"})


urlpatterns: list[URLPattern | URLResolver] = [
    path("", json_errors(index), name="api-index"),
    path("docs/assets/<str:name>", json_errors(require_safe(asset)), name="api-assets"),
    path("", (_patterns, _app_name, _namespace)),
    # Any method: a POST to a path that does not exist is a 404 too, not a CSRF failure.
    re_path(r"^", json_errors(not_found_view)),
]
