"""A reader's signals: what the personal ranking learns from, read in one place.

Positives are the papers a reader saved (in any collection), upvoted, or asked "more like
this" of; negatives are "less like this" and "not interested". Every change goes through
``touch``, which stamps ``Reader.signals_changed_at`` and, once the transaction commits, sends
``signals_changed`` — the ranking (downstream) listens and retrains in the background.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from paperwire.community.models import Vote
from paperwire.library.models import Entry, Kind, Mark, Reader

signals_changed = Signal()  # sent with user=<User> after a change to that reader's signals

POSITIVE_MARKS = (Kind.MORE,)
NEGATIVE_MARKS = (Kind.LESS, Kind.NOT_INTERESTED)
HIDING_MARKS = (Kind.READ, Kind.NOT_INTERESTED)


@dataclass(frozen=True)
class ReaderSignals:
    positives: dict[int, str]  # paper pk -> "saved" | "upvoted" | "more"
    negatives: dict[int, str]  # paper pk -> "not_interested" | "less"
    hidden: frozenset[int]  # read, not interested, or already in the library
    collections: dict[int, list[str]]  # paper pk -> the reader's collections holding it
    changed_at: dt.datetime | None

    @property
    def empty(self) -> bool:
        return not self.positives and not self.negatives


# Readers whose touches are held back by ``one_touch`` in this thread: pk -> touched since.
_held = threading.local()


@contextmanager
def one_touch(user: Any) -> Iterator[None]:
    """Hold back ``touch(user)`` inside the block and touch once at its end if anything
    changed: a bulk import of 2,000 entries is one change, not 2,000 retrains."""
    held: dict[int, bool] = _held.__dict__.setdefault("readers", {})
    if user.pk in held:  # nested: the outer block touches
        yield
        return
    held[user.pk] = False
    try:
        yield
    finally:
        touched = held.pop(user.pk)
        if touched:
            touch(user)


def touch(user: Any) -> None:
    """Record that ``user``'s signals changed now; tell listeners once the change commits."""
    if user is None or not getattr(user, "pk", None):
        return
    held: dict[int, bool] = _held.__dict__.get("readers", {})
    if user.pk in held:
        held[user.pk] = True
        return
    now = timezone.now()
    updated = Reader.objects.filter(user=user).update(signals_changed_at=now)
    if not updated:
        Reader.objects.get_or_create(user=user, defaults={"signals_changed_at": now})
    transaction.on_commit(lambda: signals_changed.send(sender=Reader, user=user))


def reader_signals(user: Any) -> ReaderSignals:
    """Everything the ranking may learn from about ``user``, in three indexed queries."""
    positives: dict[int, str] = {}
    negatives: dict[int, str] = {}
    hidden: set[int] = set()
    collections: dict[int, list[str]] = {}
    for paper_id, name in Entry.objects.filter(collection__owner=user).values_list(
        "paper_id", "collection__name"
    ):
        positives[paper_id] = "saved"
        collections.setdefault(paper_id, []).append(name)
        hidden.add(paper_id)
    for paper_id in Vote.objects.filter(user=user).values_list("paper_id", flat=True):
        positives.setdefault(paper_id, "upvoted")
    for paper_id, kind in Mark.objects.filter(user=user).values_list("paper_id", "kind"):
        if kind in POSITIVE_MARKS:
            positives.setdefault(paper_id, kind)
        elif kind in NEGATIVE_MARKS:
            negatives[paper_id] = kind
        if kind in HIDING_MARKS:
            hidden.add(paper_id)
    # A paper the reader both saved and dismissed counts as what they did last: saving wins
    # only if no negative says otherwise, because a dismissal is always explicit.
    for paper_id in negatives:
        positives.pop(paper_id, None)
    changed = Reader.objects.filter(user=user).values_list("signals_changed_at", flat=True)
    return ReaderSignals(
        positives, negatives, frozenset(hidden), collections, next(iter(changed), None)
    )


def hidden_for(user_ids: list[int], paper_ids: list[int]) -> dict[int, frozenset[int]]:
    """``ReaderSignals.hidden`` for many readers at once, among ``paper_ids``: what each must
    not be shown (in their library, read, not interested), two queries per 500 readers."""
    hidden: dict[int, set[int]] = {}
    for start in range(0, len(user_ids), 500):
        group = user_ids[start : start + 500]
        for owner, pk in Entry.objects.filter(
            collection__owner_id__in=group, paper_id__in=paper_ids
        ).values_list("collection__owner_id", "paper_id"):
            hidden.setdefault(owner, set()).add(pk)
        for owner, pk in Mark.objects.filter(
            user_id__in=group, paper_id__in=paper_ids, kind__in=HIDING_MARKS
        ).values_list("user_id", "paper_id"):
            hidden.setdefault(owner, set()).add(pk)
    return {owner: frozenset(pks) for owner, pks in hidden.items()}


@receiver(post_save, sender=Vote)
@receiver(post_delete, sender=Vote)
def _vote_changed(sender: Any, instance: Vote, **kwargs: Any) -> None:
    # An account being deleted takes its votes with it: no reader is left to retrain, and
    # touching would make again the Reader row the same delete is removing.
    origin = kwargs.get("origin")  # what the delete started from: a Vote, or a queryset
    origin_model = getattr(origin, "model", type(origin))
    if origin is not None and origin_model is not Vote:
        return
    touch(instance.user)
