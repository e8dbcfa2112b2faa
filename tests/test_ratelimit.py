"""The one counting rule behind the site's and the API's rate limits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from paperwire.ratelimit import client_address, spend

pytestmark = pytest.mark.django_db


def _request(user: object = None, address: str = "192.0.2.1") -> HttpRequest:
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()  # type: ignore[assignment]
    return request


@override_settings(RATE_LIMIT_VOTES="2/m")
def test_a_budget_is_per_account_and_group_and_says_how_long_to_wait():
    users = get_user_model().objects
    ada = users.create_user(username="ada", email="ada@example.org", password=None)
    bob = users.create_user(username="bob", email="bob@example.org", password=None)
    spent = [spend(_request(ada), "votes", "RATE_LIMIT_VOTES") for _ in range(3)]
    assert spent[:2] == [None, None]
    assert spent[2] is not None
    assert 1 <= spent[2] <= 60
    # Another account, or another group for the same account, has its own budget.
    assert spend(_request(bob), "votes", "RATE_LIMIT_VOTES") is None
    assert spend(_request(ada), "api.votes", "RATE_LIMIT_VOTES") is None
    # The account is what counts, not the address it comes from.
    assert spend(_request(ada, "198.51.100.7"), "votes", "RATE_LIMIT_VOTES") is not None


@override_settings(RATE_LIMIT_SUBSCRIBE="1/h")
def test_anonymous_callers_are_counted_by_address():
    assert spend(_request(), "subscribe", "RATE_LIMIT_SUBSCRIBE") is None
    assert spend(_request(), "subscribe", "RATE_LIMIT_SUBSCRIBE") is not None
    assert spend(_request(address="192.0.2.2"), "subscribe", "RATE_LIMIT_SUBSCRIBE") is None


def _file_cache(tmp_path: Path) -> dict[str, dict[str, object]]:
    return {
        "default": {
            "BACKEND": "paperwire.web.filecache.SampledCullFileCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


def test_concurrent_writes_spend_a_file_cached_budget_exactly(tmp_path: Path) -> None:
    """100 votes sent 16 at a time against a budget of 60: exactly 60 pass. Each thread has
    its own cache object over the one directory, as each server process does."""
    with override_settings(CACHES=_file_cache(tmp_path), RATE_LIMIT_VOTES="60/h"):

        def vote(_: int) -> bool:
            try:
                return spend(_request(), "votes", "RATE_LIMIT_VOTES") is None
            finally:
                caches.close_all()

        with ThreadPoolExecutor(max_workers=16) as pool:
            accepted = sum(pool.map(vote, range(100)))
    assert accepted == 60


def _forwarded(chain: str, proxy: str = "10.0.0.2") -> HttpRequest:
    request = RequestFactory().post("/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=chain)
    request.user = AnonymousUser()
    return request


def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(settings) -> None:
    settings.TRUSTED_PROXIES = 0
    settings.RATE_LIMIT_SUBSCRIBE = "1/h"
    assert client_address(_forwarded("203.0.113.9", proxy="192.0.2.1")) == "192.0.2.1"
    # A client rotating a made-up header still spends its own connection's budget.
    assert (
        spend(_forwarded("203.0.113.1", "192.0.2.1"), "subscribe", "RATE_LIMIT_SUBSCRIBE") is None
    )
    assert spend(_forwarded("203.0.113.2", "192.0.2.1"), "subscribe", "RATE_LIMIT_SUBSCRIBE")


def test_behind_trusted_proxies_each_visitor_has_a_budget(settings) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.RATE_LIMIT_SUBSCRIBE = "1/h"
    # Every request arrives from the proxy; the proxy appended the visitor's address.
    assert spend(_forwarded("198.51.100.1"), "subscribe", "RATE_LIMIT_SUBSCRIBE") is None
    assert spend(_forwarded("198.51.100.2"), "subscribe", "RATE_LIMIT_SUBSCRIBE") is None
    assert spend(_forwarded("198.51.100.1"), "subscribe", "RATE_LIMIT_SUBSCRIBE") is not None
    # What a visitor writes into the header itself (left of the proxy's entry) changes nothing.
    spoofed = _forwarded("192.0.2.77, 198.51.100.2")
    assert client_address(spoofed) == "198.51.100.2"
    assert spend(spoofed, "subscribe", "RATE_LIMIT_SUBSCRIBE") is not None


@pytest.mark.parametrize(
    ("proxies", "chain", "expected"),
    [
        (2, "192.0.2.77, 198.51.100.3, 10.0.0.1", "198.51.100.3"),  # a CDN, then nginx
        (2, "198.51.100.3", "10.0.0.2"),  # fewer hops than proxies: not through them all
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_address_the_outermost_proxy_saw(
    settings, proxies: int, chain: str, expected: str
) -> None:
    settings.TRUSTED_PROXIES = proxies
    assert client_address(_forwarded(chain)) == expected
