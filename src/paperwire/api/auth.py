"""Bearer tokens for the write endpoints, and the per-account rate limits on those writes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from paperwire.community.models import ApiToken, hash_token
from paperwire.ratelimit import spend

MAX_TOKEN_CHARS = 200


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``, checked against the stored SHA-256 digests."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if not header.strip():
            raise AuthenticationError(
                401, "this needs an API token: send the header Authorization: Bearer <token>"
            )
        scheme, _, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise AuthenticationError(401, "the Authorization header must read: Bearer <token>")
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = None
        if len(token) <= MAX_TOKEN_CHARS:
            found = ApiToken.objects.select_related("user").filter(digest=hash_token(token)).first()
        if found is None:
            raise AuthenticationError(401, "this API token is not valid (or has been revoked)")
        user: User = found.user
        if not user.is_active:
            raise AuthenticationError(403, "this account is blocked")
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = user
        return user


token_auth = TokenAuth()


class RateLimited(HttpError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(429, message)
        self.retry_after = retry_after


def rate_limit(request: HttpRequest, group: str, setting: str) -> None:
    """Count this write against the account's budget (the token's, set by ``TokenAuth``);
    429 when it is spent. The API's counters are its own, apart from the site's."""
    wait = spend(request, f"api.{group}", setting)
    if wait is not None:
        rate = getattr(settings, setting)
        raise RateLimited(
            f"too many {group} from this account (the limit is {rate}); try again later", wait
        )
