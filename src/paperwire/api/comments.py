"""The JSON API's comments endpoints."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["comments"])
