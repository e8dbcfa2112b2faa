"""Following an author or an organisation: one row per reader and name (by its key)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from paperwire.catalogue.keys import AUTHOR, name_key
from paperwire.catalogue.models import Paper
from paperwire.community.models import Follow, Kind, NameKey
from paperwire.community.people import ORG, term

MAX_FOLLOWS = 500  # per reader: far more than anyone reads, few enough to rank cheaply
MAX_NAME = 300


class FollowError(ValueError):
    """A follow that cannot be made; the message is one line for the reader."""


class TooManyFollows(FollowError):
    """The reader follows ``MAX_FOLLOWS`` names already."""


@dataclass(frozen=True)
class FollowState:
    kind: str
    name: str
    key: str
    following: bool


def set_follow(user: AbstractBaseUser, kind: str, name: str, *, following: bool) -> FollowState:
    """Make the reader follow (or stop following) the name; idempotent."""
    if not isinstance(user, User) or not user.is_active:
        raise FollowError("sign in to follow authors and organisations")
    if kind not in Kind.values:
        raise FollowError(f"follow an author or an org, not {kind[:20]!r}")
    shown = " ".join(name.split())[:MAX_NAME]
    key = follow_key(name)
    if not key:
        raise FollowError("give the name to follow")
    if following:
        if Follow.objects.filter(user=user).count() >= MAX_FOLLOWS:
            raise TooManyFollows(f"you follow {MAX_FOLLOWS} names already; unfollow one first")
        try:
            with transaction.atomic():
                Follow.objects.create(user=user, kind=kind, key=key, name=shown)
        except IntegrityError:
            pass  # already followed: what was asked
    else:
        Follow.objects.filter(user=user, kind=kind, key=key).delete()
    return FollowState(kind, shown, key, following)


def follow_key(name: str) -> str:
    """The key a follow is stored under: ``name_key``, cut to the column's length (no real
    name comes near it; a longer one is kept consistently, and matches no paper)."""
    return name_key(name)[:MAX_NAME]


def is_following(user: AbstractBaseUser | AnonymousUser, kind: str, name: str) -> bool:
    if not isinstance(user, User):
        return False
    return Follow.objects.filter(user=user, kind=kind, key=follow_key(name)).exists()


def follows_of(user: AbstractBaseUser | AnonymousUser) -> list[Follow]:
    if not isinstance(user, User):
        return []
    return list(Follow.objects.filter(user=user).order_by("kind", "key"))


def followed(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Paper]:
    """The visible papers of everything the reader follows, newest first (the private feed)."""
    if not isinstance(user, User):
        return Paper.objects.none()
    terms = [term(f.kind, f.name) for f in follows_of(user)]
    ids = NameKey.objects.filter(term__in=[t for t in terms if t]).values("paper_id")
    return Paper.objects.visible().filter(pk__in=ids).newest()


def followers_of_papers(
    paper_ids: Iterable[int], user_ids: Iterable[int] | None = None, chunk: int = 5_000
) -> dict[int, dict[int, list[tuple[str, str]]]]:
    """account -> {paper pk -> the (kind, name) it follows on that paper}, for these papers
    (and only these accounts, if given). A few queries per ``chunk`` papers, whatever the
    number of readers: the digest section and For you ask it for a whole run at once."""
    ids = sorted(set(paper_ids))
    readers = None if user_ids is None else sorted(set(user_ids))
    found: dict[int, dict[int, list[tuple[str, str]]]] = {}
    if not ids or readers == []:
        return found
    for start in range(0, len(ids), chunk):
        on_paper: dict[str, list[int]] = {}
        for t, pk in NameKey.objects.filter(paper_id__in=ids[start : start + chunk]).values_list(
            "term", "paper_id"
        ):
            on_paper.setdefault(t, []).append(pk)
        keys = sorted({t.split(":", 1)[1] for t in on_paper})
        for part in range(0, len(keys), chunk):
            follows = Follow.objects.filter(key__in=keys[part : part + chunk])
            if readers is not None:
                follows = follows.filter(user_id__in=readers)
            for user_id, kind, key, name in follows.values_list("user_id", "kind", "key", "name"):
                for pk in on_paper.get(term_of_key(kind, key), ()):
                    found.setdefault(user_id, {}).setdefault(pk, []).append((kind, name))
    return found


def term_of_key(kind: str, key: str) -> str:
    return (AUTHOR if kind == Kind.AUTHOR else ORG) + key


def follow_reason(kind: str, name: str) -> str:
    """Why a followed name's paper is shown: "by Yang Li, whom you follow"."""
    if kind == Kind.ORG:
        return f"from {name}, which you follow"
    return f"by {name}, whom you follow"


def new_papers_followed(user: Any, since: dt.date) -> QuerySet[Paper]:
    """The reader's followed names' papers from ``since`` on (a digest's period)."""
    return followed(user).filter(announced_on__gte=since)
