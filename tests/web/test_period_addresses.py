"""A period has one address: other spellings of it are redirected there, and text that only
looks like a date (other digits, spaces) is not a period at all — so each period is one page
and one cache entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.factories import paper

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/week/1991-W01", None),
        ("/week/2025W3", "/week/2025-W03"),
        ("/week/2025-w03", "/week/2025-W03"),
        ("/date/2025-03-12", None),
        ("/month/2025-03", None),
    ],
)
def test_each_period_answers_at_its_one_address(
    client: Client, url: str, canonical: str | None
) -> None:
    paper(title="On the list", day=dt.date(2025, 3, 12))
    response = client.get(url)
    if canonical is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 301
        assert response["Location"] == canonical
        assert client.get(canonical).status_code == 200


def test_a_redirect_keeps_the_query_string(client: Client) -> None:
    response = client.get("/week/2025W3?page=2")
    assert response["Location"] == "/week/2025-W03?page=2"


@pytest.mark.parametrize(
    "url",
    [
        "/date/٢٠٢٥-٠٣-١٢",  # Arabic-Indic digits
        "/date/２０２５-０３-１２",  # full-width digits
        "/date/2025-03-12%20",
        "/week/２０２５-W11",
        "/month/2025-03%20",
    ],
)
def test_look_alike_dates_are_not_found(client: Client, url: str) -> None:
    paper(title="On the list", day=dt.date(2025, 3, 12))
    assert client.get(url).status_code == 404


def test_a_neighbour_years_away_is_found_in_one_step(client: Client) -> None:
    paper(title="Long ago", day=dt.date(1995, 6, 7))
    paper(title="Now", day=dt.date(2025, 3, 12))
    page = client.get("/week/2025-W11").content.decode()
    assert 'href="/week/1995-W23"' in page
    page = client.get("/month/1995-06").content.decode()
    assert 'href="/month/2025-03"' in page
