"""Signed links in mail: confirm a subscription, manage it, unsubscribe in one click, and
tell paperwire about a paper of a digest (save it, more like this, less like this).

Django's signing: the token names the subscriber and the purpose (a manage link cannot be
replayed as a confirmation), and the confirmation and feedback links expire.

A feedback token signs the subscriber and the digest, once per message: the paper and the
action follow it in the address, and the page accepts only a paper of that digest and one of
``FEEDBACK_ACTIONS``. So a link cannot be turned to another reader, another digest or a paper
the reader was not sent; changing the action only gives what the mail's other two links for
that paper give. One signature per paper and action (90 a message) would cost the sender
half a millisecond a message, half of all it spends on one.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from paperwire.library import Kind

CONFIRM_MAX_AGE = 3 * 24 * 3600  # seconds: a confirmation link works for three days
FEEDBACK_MAX_AGE = 60 * 24 * 3600  # a digest's feedback links work for sixty days
# What a reader can say of a paper in a digest, in the order the mail shows the links.
FEEDBACK_ACTIONS: dict[str, str] = {
    Kind.SAVE.value: "Save",
    Kind.MORE.value: "More like this",
    Kind.LESS.value: "Less like this",
}


class BadLink(ValueError):
    """A link that was altered, belongs to another purpose, or has expired."""


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"paperwire.digests.{purpose}")


def _unsign(token: str, purpose: str, max_age: int | None, expired: str) -> str:
    try:
        return _signer(purpose).unsign(token[:200], max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink(expired) from None
    except signing.BadSignature:
        raise BadLink("this link is not valid") from None


def make_token(subscriber_id: int, purpose: str) -> str:
    return _signer(purpose).sign(str(subscriber_id))


def read_token(token: str, purpose: str, max_age: int | None = None) -> int:
    value = _unsign(
        token, purpose, max_age, "this link has expired; subscribe again to get a new one"
    )
    if not value.isdigit():
        raise BadLink("this link is not valid")
    return int(value)


def feedback_token(subscriber_id: int, digest_id: int) -> str:
    return _signer("feedback").sign(f"{subscriber_id}.{digest_id}")


def read_feedback_token(token: str) -> tuple[int, int]:
    """(subscriber id, digest id) of a feedback link, or ``BadLink``."""
    value = _unsign(
        token, "feedback", FEEDBACK_MAX_AGE,
        f"this link has expired: a digest's links work for {FEEDBACK_MAX_AGE // 86400} days",
    )  # fmt: skip
    subscriber, _, digest = value.partition(".")
    if not (subscriber.isdigit() and digest.isdigit()):
        raise BadLink("this link is not valid")
    return int(subscriber), int(digest)


def absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


def confirm_url(subscriber_id: int) -> str:
    return absolute(f"/subscriptions/confirm/{make_token(subscriber_id, 'confirm')}")


def manage_url(subscriber_id: int) -> str:
    return absolute(f"/subscriptions/manage/{make_token(subscriber_id, 'manage')}")


def unsubscribe_url(subscriber_id: int) -> str:
    return absolute(f"/subscriptions/unsubscribe/{make_token(subscriber_id, 'unsubscribe')}")


def feedback_prefix(subscriber_id: int, digest_id: int) -> str:
    """The start of every feedback link of one digest: ``<prefix>/<paper id>/<action>``."""
    return absolute(f"/subscriptions/feedback/{feedback_token(subscriber_id, digest_id)}")


def feedback_url(prefix: str, paper_id: int, action: str) -> str:
    return f"{prefix}/{paper_id}/{action}"
