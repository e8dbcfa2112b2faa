"""What a reader does to their library: save, remove, note, tag, mark, and collections.

Each function is the one way to make that change, so the ranking's signals stay in step
(``touch``) whichever page, API call, import or mail link made it.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from paperwire.catalogue.models import Paper
from paperwire.library.models import DEFAULT_COLLECTION, Collection, Entry, Kind, Mark, Reader
from paperwire.library.signals import touch

MAX_NAME = 100
MAX_TAGS = 20
MAX_TAG = 50
MAX_NOTE = 20_000
# Slugs that name pages of the site under /library/ rather than a collection.
RESERVED_SLUGS = frozenset({"import", "feed"})


class LibraryError(ValueError):
    """A request the library cannot carry out; the message says why, in one line."""


def default_collection(user: Any) -> Collection:
    """The reader's "Saved", made on first use."""
    found = Collection.objects.filter(owner=user, is_default=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Collection.objects.create(
                owner=user,
                name=DEFAULT_COLLECTION,
                slug=Collection.slug_for(DEFAULT_COLLECTION),
                is_default=True,
            )
    except IntegrityError:  # made at the same moment by another request
        return Collection.objects.get(owner=user, is_default=True)


def collection_named(user: Any, name: str | None, *, create: bool = False) -> Collection:
    """The reader's collection called ``name`` (by name or slug); "Saved" when no name."""
    if not name or not name.strip():
        return default_collection(user)
    name = name.strip()
    if name.casefold() == DEFAULT_COLLECTION.casefold():
        return default_collection(user)
    found = Collection.objects.filter(owner=user, slug=Collection.slug_for(name)).first()
    if found is not None:
        return found
    if not create:
        raise LibraryError(f"there is no collection named {name!r}")
    return create_collection(user, name)


def create_collection(user: Any, name: str, *, public: bool = False) -> Collection:
    name = _clean_name(name)
    slug = _free_slug(name)
    if Collection.objects.filter(owner=user, slug=slug).exists():
        raise LibraryError(f"a collection named {name!r} exists already")
    return Collection.objects.create(owner=user, name=name, slug=slug, public=public)


def rename_collection(collection: Collection, name: str) -> Collection:
    if collection.is_default:
        raise LibraryError(f"{DEFAULT_COLLECTION!r} keeps its name")
    name = _clean_name(name)
    slug = _free_slug(name)
    clash = Collection.objects.filter(owner=collection.owner, slug=slug).exclude(pk=collection.pk)
    if clash.exists():
        raise LibraryError(f"a collection named {name!r} exists already")
    collection.name, collection.slug = name, slug
    collection.save(update_fields=["name", "slug", "updated_at"])
    touch(collection.owner)  # explanations name the collection
    return collection


def set_public(collection: Collection, public: bool) -> Collection:
    collection.public = public
    collection.save(update_fields=["public", "updated_at"])
    return collection


def delete_collection(collection: Collection) -> None:
    if collection.is_default:
        raise LibraryError(f"{DEFAULT_COLLECTION!r} cannot be deleted; remove its papers instead")
    owner = collection.owner
    with transaction.atomic():
        collection.delete()
        touch(owner)


def save(
    user: Any,
    paper: Paper,
    collection: str | Collection | None = None,
    *,
    note: str | None = None,
    tags: list[str] | None = None,
) -> Entry:
    """Save ``paper`` into the collection (``"Saved"`` by default); saving twice is a no-op
    that may update the note and tags."""
    target = (
        collection
        if isinstance(collection, Collection)
        else collection_named(user, collection, create=True)
    )
    if target.owner_id != user.pk:
        raise LibraryError("that collection is not yours")
    with transaction.atomic():
        entry, created = Entry.objects.get_or_create(collection=target, paper=paper)
        changed = []
        if note is not None:
            entry.note = _clean_note(note)
            changed.append("note")
        if tags is not None:
            entry.tags = clean_tags(tags)
            changed.append("tags")
        if changed:
            entry.save(update_fields=changed)
        if created:
            touch(user)
    return entry


def remove(user: Any, paper: Paper, collection: str | Collection | None = None) -> bool:
    """Take ``paper`` out of one collection, or out of every one when ``collection`` is None."""
    entries = Entry.objects.filter(collection__owner=user, paper=paper)
    if collection is not None:
        target = (
            collection if isinstance(collection, Collection) else collection_named(user, collection)
        )
        entries = entries.filter(collection=target)
    with transaction.atomic():
        gone = entries.delete()[0] > 0
        if gone:
            touch(user)
    return gone


def annotate(entry: Entry, *, note: str | None = None, tags: list[str] | None = None) -> Entry:
    if note is not None:
        entry.note = _clean_note(note)
    if tags is not None:
        entry.tags = clean_tags(tags)
    entry.save(update_fields=["note", "tags"])
    return entry


def mark(user: Any, paper: Paper, kind: str, source: str = "page") -> None:
    """Record ``kind`` (more, less, not_interested, read) for the reader; idempotent.

    "More" and "less" exclude each other: the newer one stands."""
    kind = _kind(kind, allow_save=False)
    with transaction.atomic():
        if kind in (Kind.MORE, Kind.LESS):
            opposite = Kind.LESS if kind == Kind.MORE else Kind.MORE
            Mark.objects.filter(user=user, paper=paper, kind=opposite).delete()
        _, created = Mark.objects.get_or_create(
            user=user, paper=paper, kind=kind, defaults={"source": source}
        )
        if created and kind != Kind.READ:
            touch(user)
        elif created:
            Reader.objects.get_or_create(user=user)


def unmark(user: Any, paper: Paper, kind: str) -> bool:
    kind = _kind(kind, allow_save=False)
    with transaction.atomic():
        gone = Mark.objects.filter(user=user, paper=paper, kind=kind).delete()[0] > 0
        if gone and kind != Kind.READ:
            touch(user)
    return gone


def mark_address(email: str, paper: Paper, kind: str, source: str = "mail") -> None:
    """A signal from a subscriber without an account, kept by address until they sign up."""
    kind = _kind(kind, allow_save=True)
    email = email.strip().lower()
    if kind in (Kind.MORE, Kind.LESS):
        opposite = Kind.LESS if kind == Kind.MORE else Kind.MORE
        Mark.objects.filter(user=None, email=email, paper=paper, kind=opposite).delete()
    try:
        with transaction.atomic():
            Mark.objects.get_or_create(
                user=None, email=email, paper=paper, kind=kind, defaults={"source": source}
            )
    except IntegrityError:
        pass  # the same click, twice at once


def claim_address(user: Any, email: str) -> int:
    """Move an address's signals to the account that now owns the address; returns how many.

    "Save" marks become entries in "Saved"; the rest become the reader's own marks."""
    email = email.strip().lower()
    moved = 0
    with transaction.atomic():
        for row in Mark.objects.select_for_update().filter(user=None, email=email):
            if row.kind == Kind.SAVE:
                save(user, row.paper)
            else:  # as if the reader had clicked it: "more" replaces "less" and back
                mark(user, row.paper, row.kind, row.source)
            row.delete()
            moved += 1
        if moved:
            touch(user)
    return moved


def clean_tags(tags: list[str]) -> list[str]:
    """Tags trimmed, deduplicated (case-insensitively, first spelling kept), bounded."""
    seen: dict[str, str] = {}
    for tag in tags:
        text = " ".join(str(tag).split())[:MAX_TAG]
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    if len(seen) > MAX_TAGS:
        raise LibraryError(f"at most {MAX_TAGS} tags per paper")
    return list(seen.values())


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise LibraryError("a collection needs a name")
    if len(name) > MAX_NAME:
        raise LibraryError(f"a collection name has at most {MAX_NAME} characters")
    return name


def _free_slug(name: str) -> str:
    slug = Collection.slug_for(name)
    if slug in RESERVED_SLUGS:
        raise LibraryError(f"{name!r} is taken by a page of the site; pick another name")
    if slug == Collection.slug_for(DEFAULT_COLLECTION):
        # Kept for "Saved" even before its first use, which makes it on demand.
        raise LibraryError(f"{DEFAULT_COLLECTION!r} exists already")
    return slug


def _clean_note(note: str) -> str:
    if len(note) > MAX_NOTE:
        raise LibraryError(f"a note has at most {MAX_NOTE:,} characters")
    return note


def _kind(kind: str, *, allow_save: bool) -> Kind:
    try:
        value = Kind(kind)
    except ValueError:
        value = None
    if value is None or (value == Kind.SAVE and not allow_save):
        allowed = ", ".join(k.value for k in Kind if allow_save or k != Kind.SAVE)
        raise LibraryError(f"unknown mark {kind!r}: one of {allowed}")
    return value


def record_visit(user: Any, *, gap_seconds: int = 30 * 60) -> Any:
    """Note that the reader is looking at the daily list now; return when their previous
    visit was (None the first time). Requests closer together than ``gap_seconds`` are one
    visit, so reloading the page does not wipe what was new."""
    from django.utils import timezone

    now = timezone.now()
    reader, _ = Reader.objects.get_or_create(user=user)
    if reader.last_visit_at is None or (now - reader.last_visit_at).total_seconds() > gap_seconds:
        reader.previous_visit_at = reader.last_visit_at
    reader.last_visit_at = now
    reader.save(update_fields=["previous_visit_at", "last_visit_at"])
    return reader.previous_visit_at


def mark_from_address(email: str, paper: Paper, kind: str, source: str = "mail") -> None:
    """A signal from a digest link, which knows only the subscriber's address: the account
    with that address gets it, or the address keeps it until someone signs up with it."""
    user = account_for_address(email)
    if user is None:
        mark_address(email, paper, kind, source)
    elif kind == Kind.SAVE:
        save(user, paper)
    else:
        mark(user, paper, kind, source)


def feed_key(user: Any) -> str:
    """The reader's current private-feed key ("" until they first ask for new addresses)."""
    keys = Reader.objects.filter(user=user).values_list("feed_key", flat=True)
    return next(iter(keys), "")


def rotate_feed_key(user: Any) -> str:
    """Give the reader new private feed addresses; the old ones stop working at once."""
    import secrets

    key = secrets.token_urlsafe(16)
    reader, _ = Reader.objects.get_or_create(user=user)
    reader.feed_key = key
    reader.save(update_fields=["feed_key"])
    return key


def account_for_address(email: str) -> Any:
    """The account that owns ``email`` (case-insensitively; of two, the older), or None."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email__iexact=email.strip()).order_by("pk").first()


def readers_with_signals() -> dict[str, int]:
    """Lower-cased address -> account id, for every account that has ever had a signal: the
    readers a personal ranking can serve, in one query (the digest composer's batch)."""
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Lower

    accounts = (
        get_user_model()
        .objects.filter(reader__signals_changed_at__isnull=False)
        .exclude(email="")
        .annotate(address=Lower("email"))
        .order_by("pk")
        .values_list("address", "pk")
    )
    found: dict[str, int] = {}
    for address, pk in accounts:
        found.setdefault(address, pk)  # two accounts, one address: the older one
    return found


def listed_entries(collection: Collection) -> QuerySet[Entry]:
    """A collection's papers as its pages, feeds and the API list them: visible papers,
    newest saved first."""
    return (
        collection.entries.filter(paper__hidden=False)
        .select_related("paper")
        .order_by("-added_at", "-pk")
    )
