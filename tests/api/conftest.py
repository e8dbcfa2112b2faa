"""Fixtures for the API tests: papers, an account with a token, a client that sends it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from paperwire.catalogue.models import Paper
from tests.factories import account, paper, token_for


@pytest.fixture(autouse=True)
def _database(db: None) -> None:
    """Every API test may reach the database, through a request if not directly."""


@pytest.fixture
def make_paper() -> Callable[..., Paper]:
    """tests.factories.paper, for the tests that take it as a fixture."""
    return paper


@pytest.fixture
def user() -> User:
    """A reader who signed up just now."""
    return account(username="reader", age=dt.timedelta(0))


@pytest.fixture
def token(user: User) -> str:
    return token_for(user)


@pytest.fixture
def authed(token: str) -> Client:
    """A client that sends the token with every request."""
    return Client(headers={"Authorization": f"Bearer {token}"})


def client_of(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(user)}"})


@pytest.fixture
def as_alice(alice: User) -> Client:
    return client_of(alice)


@pytest.fixture
def as_bob(bob: User) -> Client:
    return client_of(bob)
