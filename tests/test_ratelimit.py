"""The one counting rule behind the site's and the API's rate limits."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from paperwire.ratelimit import spend

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
