"""The JSON API's people endpoints."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["people"])
