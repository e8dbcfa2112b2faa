"""The home page: a plain list of the newest papers, every piece of paper text escaped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from paperwire.catalogue.models import Paper

pytestmark = pytest.mark.django_db


def test_it_lists_the_newest_papers_first(client: Client):
    Paper.objects.create(arxiv_id="2501.00001", title="Older", announced_on=dt.date(2025, 1, 1))
    Paper.objects.create(arxiv_id="2501.00002", title="Newer", announced_on=dt.date(2025, 1, 2))
    page = client.get("/").content.decode()
    assert page.index("Newer") < page.index("Older")
    assert "https://arxiv.org/abs/2501.00002" in page


def test_paper_text_is_escaped(client: Client):
    Paper.objects.create(
        arxiv_id="2501.00001",
        title="<img src=x onerror=alert(1)>",
        authors=["<script>alert(2)</script>"],
    )
    page = client.get("/").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert(2)" not in page


def test_it_pages_through_the_catalogue(client: Client):
    for n in range(60):
        Paper.objects.create(
            arxiv_id=f"2501.{n:05d}", title=f"Paper {n:02d}", announced_on=dt.date(2025, 1, 1)
        )
    first = client.get("/").content.decode()
    second = client.get("/", {"page": "2"}).content.decode()
    assert "Paper 59" in first
    assert "Paper 00" in second
    assert "older →" in first
    assert client.get("/", {"page": "junk"}).status_code == 200


def test_an_empty_catalogue_says_how_to_load_papers(client: Client):
    assert "paperwire import" in client.get("/").content.decode()
