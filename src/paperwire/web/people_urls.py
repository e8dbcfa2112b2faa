"""Mounted at the site's root by paperwire/urls.py: the people pages."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
