"""The groups' tests share the digests' real SMTP server (aiosmtpd) for invitation mail."""

from __future__ import annotations

import pytest

from tests.digests.conftest import smtp_server, smtp_sink

__all__ = ["smtp_server", "smtp_sink"]


@pytest.fixture(autouse=True)
def _database(db: None) -> None:
    """Every groups test reaches the database."""
