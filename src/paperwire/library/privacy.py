"""A reader's own data, all of it: exported as one JSON-ready dict, or deleted.

What the library and the community hold about a reader: collections with their entries
(notes, tags), marks (also those still kept under the reader's address from digest links),
upvotes, the per-reader state (pinned filters, visits) and API tokens (their names and
prefixes; the secrets were never stored). The personal ranking model and digest
subscriptions live downstream (``paperwire.foryou``, ``paperwire.digests``); the account page
adds them, because this package may not import them.

Upvotes are deleted too, through the community's own vote rule (the paper's public counter
drops as if the reader had taken the vote back): a vote row ties the person to a paper, and it
is a positive signal the ranking would otherwise learn from again straight after "delete
everything". Papers' counters stay consistent, which deleting the rows directly would break.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from paperwire.community.models import ApiToken, Vote
from paperwire.community.votes import set_vote
from paperwire.library.models import Collection, Entry, Mark, Reader
from paperwire.library.signals import touch

EXPORT_FORMAT = "paperwire-reader-export"
EXPORT_VERSION = 1


def export_reader(user: Any) -> dict[str, Any]:
    """Everything the library and the community keep about ``user``, ready for ``json.dumps``."""
    collections = []
    for collection in Collection.objects.filter(owner=user).order_by("-is_default", "name"):
        entries = (
            Entry.objects.filter(collection=collection)
            .select_related("paper")
            .order_by("added_at", "pk")
        )
        collections.append(
            {
                "name": collection.name,
                "slug": collection.slug,
                "public": collection.public,
                "default": collection.is_default,
                "created_at": _iso(collection.created_at),
                "entries": [
                    {
                        "arxiv_id": entry.paper.arxiv_id,
                        "title": entry.paper.title,
                        "note": entry.note,
                        "tags": list(entry.tags),
                        "added_at": _iso(entry.added_at),
                    }
                    for entry in entries
                ],
            }
        )
    marks = [
        {
            "arxiv_id": row.paper.arxiv_id,
            "kind": row.kind,
            "source": row.source,
            "created_at": _iso(row.created_at),
            # Marks from digest links made before the account existed, still under the address.
            **({"by_address": True} if row.user_id is None else {}),
        }
        for row in _marks(user).select_related("paper").order_by("created_at", "pk")
    ]
    votes = [
        {"arxiv_id": vote.paper.arxiv_id, "created_at": _iso(vote.created_at)}
        for vote in Vote.objects.filter(user=user).select_related("paper").order_by("created_at")
    ]
    reader = Reader.objects.filter(user=user).first()
    tokens = [
        {
            "name": token.name,
            "prefix": token.prefix,
            "created_at": _iso(token.created_at),
            "last_used_at": _iso(token.last_used_at),
        }
        for token in ApiToken.objects.filter(user=user).order_by("created_at")
    ]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(timezone.now()),
        "account": {"email": user.email, "joined_at": _iso(user.date_joined)},
        "collections": collections,
        "marks": marks,
        "votes": votes,
        "reader": {
            "signals_changed_at": _iso(reader.signals_changed_at) if reader else None,
            "last_visit_at": _iso(reader.last_visit_at) if reader else None,
            "previous_visit_at": _iso(reader.previous_visit_at) if reader else None,
            "pinned_filters": dict(reader.filters) if reader else {},
            "onboarded": reader.onboarded if reader else False,
        },
        "api_tokens": tokens,
    }


def delete_reader_data(user: Any) -> dict[str, int]:
    """Delete the reader's library, marks, upvotes, state and API tokens; the account stays.

    Returns how many of each went. The reader is left as a new one (no signals, no pinned
    filters, not onboarded), and the ranking hears that the signals changed. The ranking's
    stored model is the caller's to delete (``paperwire.foryou`` is downstream of here).
    """
    with transaction.atomic():
        _, deleted = Collection.objects.filter(owner=user).delete()
        counts = {
            "collections": deleted.get("library.Collection", 0),
            "entries": deleted.get("library.Entry", 0),
        }
        counts["marks"] = _marks(user).delete()[0]
        votes = list(Vote.objects.filter(user=user).select_related("paper"))
        for vote in votes:
            set_vote(user, vote.paper, voted=False)
        counts["votes"] = len(votes)
        counts["api_tokens"] = ApiToken.objects.filter(user=user).delete()[0]
        Reader.objects.filter(user=user).delete()
        touch(user)  # a fresh Reader, and the ranking retrains (to nothing)
    return counts


def _marks(user: Any) -> Any:
    own = Q(user=user)
    if getattr(user, "email", ""):
        own |= Q(user__isnull=True, email=user.email.strip().lower())
    return Mark.objects.filter(own)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
