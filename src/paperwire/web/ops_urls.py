"""Mounted at the site's root by paperwire/urls.py: what load balancers and monitoring read."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from paperwire.web import ops

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", ops.healthz, name="healthz"),
    path("metrics", ops.metrics_view, name="metrics"),
]
