"""The library tests' cast and catalogue: alice imports and exports, bob receives.

The catalogue holds the papers the files in data/ name, under titles that differ from the
files' where a test shows that a match was by id or DOI, not by title."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from paperwire.catalogue.models import Paper
from tests.factories import paper
from tests.replay import ReplayServer

DATA = Path(__file__).with_name("data")


@pytest.fixture
def catalogue(db: None) -> dict[str, Paper]:
    return {
        "attention": paper(
            "1706.03762",
            "Attention Is All You Need",
            authors=["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
            categories=["cs.CL", "cs.LG"],
            primary_category="cs.CL",
        ),
        "graphs": paper(
            "2402.00002", "Graph Networks for Müller's Problem", authors=["Ana Müller"]
        ),
        "journal": paper(
            "1901.00003",
            "Scattering amplitudes at two loops",
            authors=["Yang Li"],
            doi="10.1103/PhysRevD.99.123456",
            journal_ref="Phys. Rev. D 99, 123456 (2019)",
        ),
    }


@pytest.fixture
def arxiv(settings: Settings, replay_server: ReplayServer) -> ReplayServer:
    """arXiv's API, answered by the replay server; no pause between requests."""
    settings.ARXIV_API_URL = f"{replay_server.url}/api/query"
    settings.ARXIV_REQUEST_INTERVAL = 0
    return replay_server
