"""The unguessable addresses of collections: a public collection's, and a private feed's.

Each signs the collection's primary key with ``django.core.signing`` under a salt of its own,
so knowing one address gives away neither the other kind nor the owner's other collections.
A private feed's signature also carries the owner's feed key: ``rotate_feed_key`` revokes
every old private feed address at once. The site and the API both read them here.
"""

from __future__ import annotations

from typing import Any

from django.core import signing

from paperwire.library.core import feed_key
from paperwire.library.models import Collection

PUBLIC_SALT = "paperwire.web.library.public"  # the value predates this module: kept, so links live
FEED_SALT = "paperwire.web.library.feed"
READER_FEED_SALT = "paperwire.foryou.feed"


def public_token(collection: Collection) -> str:
    """The token of a collection's public address; stable across renames."""
    return signing.Signer(salt=PUBLIC_SALT, sep=".").sign(str(collection.pk))


def public_collection(token: str) -> Collection | None:
    """The PUBLIC collection ``token`` names; None for a private, deleted or forged one."""
    try:
        pk = int(signing.Signer(salt=PUBLIC_SALT, sep=".").unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return Collection.objects.filter(pk=pk, public=True).first()


def feed_token(collection: Collection) -> str:
    """The token of a collection's private feed address, for its owner to hand out."""
    return _feed_signer(feed_key(collection.owner)).sign(str(collection.pk))


def feed_collection(token: str) -> Collection | None:
    """The collection a private feed token names; None for a forged or revoked one."""
    # The pk in front names the collection, whose owner's key the signature must carry.
    head = token.partition(".")[0]
    candidate = Collection.objects.filter(pk=int(head)).first() if head.isdigit() else None
    if candidate is None:
        return None
    try:
        pk = int(_feed_signer(feed_key(candidate.owner)).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return candidate if pk == candidate.pk else None


def _feed_signer(key: str) -> signing.Signer:
    return signing.Signer(salt=f"{FEED_SALT}:{key}", sep=".")


def reader_feed_token(user: Any) -> str:
    """The token of a reader's own For-you feed; revoked with their other private feeds."""
    return _reader_signer(feed_key(user)).sign(str(user.pk))


def reader_for_feed(token: str) -> Any | None:
    """The reader a For-you feed token names; None for a forged or revoked one."""
    from django.contrib.auth import get_user_model

    head = token.partition(".")[0]
    candidate = get_user_model().objects.filter(pk=int(head)).first() if head.isdigit() else None
    if candidate is None or not candidate.is_active:
        return None
    try:
        pk = int(_reader_signer(feed_key(candidate)).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return candidate if pk == candidate.pk else None


def _reader_signer(key: str) -> signing.Signer:
    return signing.Signer(salt=f"{READER_FEED_SALT}:{key}", sep=".")
