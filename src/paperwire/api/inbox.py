"""The JSON API's inbox endpoints."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["inbox"])
