"""Feeds of authors and organisations, and a reader's private feed of what they follow.

``/authors/<name>/feed.rss`` (and ``.atom``, and the same under ``/orgs/``) is everyone's and
cached like the page. ``/following/feed/<token>.rss`` is one reader's: the newest papers of
every name they follow, at a signed address. The signature carries the reader's private-feed
key (``library.feed_key``), so "New addresses for my private feeds" on /library revokes it
with their other private feeds; it is never cached in the shared cache.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import Http404, HttpRequest
from django.views.decorators.cache import never_cache

from paperwire.catalogue.models import Paper
from paperwire.community import followed, name_papers, profile
from paperwire.community.models import Kind
from paperwire.library import feed_key
from paperwire.web.caching import anonymous_cache
from paperwire.web.feeds import ITEMS, Atom, _PaperFeed
from paperwire.web.people_pages import MAX_NAME, name_path

FEED_SALT = "paperwire.people.following"
NOT_FOUND = "There is no such feed."


def feed_token(user: Any) -> str:
    """The token of the reader's private feed of followed authors and organisations."""
    return _signer(feed_key(user)).sign(str(user.pk))


def reader_for_token(token: str) -> Any | None:
    """The reader a following-feed token names; None for a forged or revoked one."""
    head = token.partition(".")[0]
    candidate = get_user_model().objects.filter(pk=int(head)).first() if head.isdigit() else None
    if candidate is None or not candidate.is_active:
        return None
    try:
        pk = int(_signer(feed_key(candidate)).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return candidate if pk == candidate.pk else None


def _signer(key: str) -> signing.Signer:
    return signing.Signer(salt=f"{FEED_SALT}:{key}", sep=".")


class NameFeed(_PaperFeed):
    kind = Kind.AUTHOR

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return " ".join(kwargs["name"].split())[:MAX_NAME]

    def title(self, obj: str) -> str:
        return f"paperwire — {profile(self.kind, obj).name or obj}"

    def description(self, obj: str) -> str:
        what = "by" if self.kind == Kind.AUTHOR else "from"
        return f"The newest papers {what} {obj} in the catalogue."

    def link(self, obj: str) -> str:
        return name_path(self.kind, obj)

    def items(self, obj: str) -> list[Paper]:
        return name_papers(self.kind, obj, 0, ITEMS)


class NameAtom(NameFeed):
    feed_type = Atom

    def subtitle(self, obj: str) -> str:
        return self.description(obj)


class OrgFeed(NameFeed):
    kind = Kind.ORG


class OrgAtom(NameAtom):
    kind = Kind.ORG


class FollowingFeed(_PaperFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        reader = reader_for_token(kwargs["token"])
        if reader is None:
            raise Http404(NOT_FOUND)
        return reader

    def title(self, obj: Any) -> str:
        return "paperwire — authors and organisations you follow"

    def description(self, obj: Any) -> str:
        return "The newest papers of the authors and organisations you follow."

    def link(self, obj: Any) -> str:
        return "/following"  # asks for sign-in; shows nothing to anyone else

    def items(self, obj: Any) -> list[Paper]:
        return list(followed(obj)[:ITEMS])


class FollowingAtom(FollowingFeed):
    feed_type = Atom

    def subtitle(self, obj: Any) -> str:
        return self.description(obj)


author_rss = anonymous_cache(reads=())(NameFeed())
author_atom = anonymous_cache(reads=())(NameAtom())
org_rss = anonymous_cache(reads=())(OrgFeed())
org_atom = anonymous_cache(reads=())(OrgAtom())
following_rss = never_cache(FollowingFeed())
following_atom = never_cache(FollowingAtom())
