"""Signed links in mail: confirm a subscription, manage it, unsubscribe in one click.

Django's signing: the token names the subscriber and the purpose (a manage link cannot be
replayed as a confirmation), and the confirmation link expires.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

CONFIRM_MAX_AGE = 3 * 24 * 3600  # seconds: a confirmation link works for three days


class BadLink(ValueError):
    """A link that was altered, belongs to another purpose, or has expired."""


def make_token(subscriber_id: int, purpose: str) -> str:
    return signing.TimestampSigner(salt=f"paperwire.digests.{purpose}").sign(str(subscriber_id))


def read_token(token: str, purpose: str, max_age: int | None = None) -> int:
    signer = signing.TimestampSigner(salt=f"paperwire.digests.{purpose}")
    try:
        return int(signer.unsign(token[:200], max_age=max_age))
    except signing.SignatureExpired:
        raise BadLink("this link has expired; subscribe again to get a new one") from None
    except (signing.BadSignature, ValueError):
        raise BadLink("this link is not valid") from None


def absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


def confirm_url(subscriber_id: int) -> str:
    return absolute(f"/subscriptions/confirm/{make_token(subscriber_id, 'confirm')}")


def manage_url(subscriber_id: int) -> str:
    return absolute(f"/subscriptions/manage/{make_token(subscriber_id, 'manage')}")


def unsubscribe_url(subscriber_id: int) -> str:
    return absolute(f"/subscriptions/unsubscribe/{make_token(subscriber_id, 'unsubscribe')}")
