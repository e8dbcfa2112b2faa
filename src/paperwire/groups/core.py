"""What members do to a group: create it, leave it, remove a member, and the shared
collections; and what the group saved and upvoted in a week.

Every page, API call and command goes through these functions, so the rules (who may do what,
what the group sees) have one home. Membership is always checked by ``membership``: a group is
looked up through the reader's own membership, so a non-member simply finds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import Period, week_of
from paperwire.community.models import Vote
from paperwire.groups.models import (
    Group,
    Membership,
    Role,
    SharedCollection,
    SharedItem,
    slug_for,
)

MAX_NAME = 100
# Slugs that name pages under /groups/ rather than a group.
RESERVED_SLUGS = frozenset({"invite", "feed", "new"})


class GroupError(ValueError):
    """A request the groups cannot carry out; the message says why, in one line."""


class NotFound(GroupError):
    """No such group, collection or proposal for this reader (non-members included)."""


# --- groups and members ------------------------------------------------------------------------


def clean_name(name: str, what: str = "a group") -> str:
    text = " ".join(str(name).split())
    if not text:
        raise GroupError(f"{what} needs a name")
    if len(text) > MAX_NAME:
        raise GroupError(f"{what}'s name has at most {MAX_NAME} characters")
    return text


def create_group(user: Any, name: str) -> Group:
    """A new group with ``user`` as its owner; its slug is unique across the site."""
    name = clean_name(name)
    base = slug_for(name)
    if base in RESERVED_SLUGS:
        base = f"{base}-group"
    for n in range(1, 1000):
        slug = base if n == 1 else f"{base[:90]}-{n}"
        try:
            with transaction.atomic():
                group = Group.objects.create(name=name, slug=slug, created_by=user)
                Membership.objects.create(group=group, user=user, role=Role.OWNER)
                return group
        except IntegrityError:
            continue
    raise GroupError("could not find a free address for that name; pick another")


def groups_of(user: Any) -> QuerySet[Group]:
    """The reader's groups, by name."""
    if not getattr(user, "is_authenticated", False):
        return Group.objects.none()
    return Group.objects.filter(memberships__user=user).order_by("name", "pk")


def membership(user: Any, slug: str) -> Membership:
    """The reader's membership of the group at ``slug``; NotFound for everyone else."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        raise NotFound("there is no such group")
    found = (
        Membership.objects.select_related("group", "user")
        .filter(user=user, group__slug=slug)
        .first()
    )
    if found is None:
        raise NotFound("there is no such group")
    return found


def members(group: Group) -> list[Membership]:
    return list(group.memberships.select_related("user").order_by("joined_at", "pk"))


def add_member(group: Group, user: Any, role: str = Role.MEMBER) -> Membership:
    """Make ``user`` a member (or keep their membership, raising it to owner if asked)."""
    with transaction.atomic():
        found, created = Membership.objects.get_or_create(
            group=group, user=user, defaults={"role": role}
        )
        if not created and role == Role.OWNER and found.role != Role.OWNER:
            found.role = Role.OWNER
            found.save(update_fields=["role"])
    return found


def leave(member: Membership) -> bool:
    """The member leaves. A last owner's leaving hands the group to its longest-standing
    member, so a group is never left without someone who can invite and remove; when nobody
    is left, the group and its content are deleted. Returns whether the group still exists."""
    group = member.group
    with transaction.atomic():
        member.delete()
        rest = list(group.memberships.order_by("joined_at", "pk"))
        if not rest:
            group.delete()
            return False
        if not any(m.role == Role.OWNER for m in rest):
            heir = rest[0]
            heir.role = Role.OWNER
            heir.save(update_fields=["role"])
    return True


def remove_member(by: Membership, user_id: int) -> Membership:
    """An owner removes another member (an owner leaves by ``leave``)."""
    if not by.is_owner:
        raise GroupError("only the group's owners can remove members")
    if user_id == by.user_id:
        raise GroupError("to leave the group yourself, use Leave")
    found = Membership.objects.filter(group=by.group, user_id=user_id).first()
    if found is None:
        raise NotFound("that reader is not a member of this group")
    found.delete()
    return found


def is_member(user: Any, group: Group) -> bool:
    return Membership.objects.filter(group=group, user=user).exists()


# --- shared collections ------------------------------------------------------------------------


def create_collection(member: Membership, name: str) -> SharedCollection:
    name = clean_name(name, "a collection")
    slug = slug_for(name)
    try:
        with transaction.atomic():
            return SharedCollection.objects.create(
                group=member.group, name=name, slug=slug, created_by=member.user
            )
    except IntegrityError:
        raise GroupError(f"the group has a collection named {name!r} already") from None


def collections_of(group: Group) -> QuerySet[SharedCollection]:
    return group.collections.order_by("name", "pk")


def collection(member: Membership, slug: str) -> SharedCollection:
    found = member.group.collections.filter(slug=slug).first()
    if found is None:
        raise NotFound("the group has no such collection")
    return found


def collection_named(member: Membership, name: str | None) -> SharedCollection:
    """The group collection called ``name`` (by name or slug), made if missing; the group's
    first collection ("Reading list", made on demand) when no name is given."""
    if not name or not name.strip():
        first = collections_of(member.group).first()
        if first is not None:
            return first
        name = "Reading list"
    found = member.group.collections.filter(slug=slug_for(name)).first()
    return found if found is not None else create_collection(member, name)


def add_paper(member: Membership, target: SharedCollection, paper: Paper) -> SharedItem:
    """Add ``paper`` to the group's collection; adding it twice is a no-op."""
    if target.group_id != member.group_id:
        raise NotFound("the group has no such collection")
    try:
        with transaction.atomic():
            item, _ = SharedItem.objects.get_or_create(
                collection=target, paper=paper, defaults={"added_by": member.user}
            )
    except IntegrityError:  # the same click, twice at once
        item = SharedItem.objects.get(collection=target, paper=paper)
    return item


def remove_paper(member: Membership, target: SharedCollection, paper: Paper) -> bool:
    if target.group_id != member.group_id:
        raise NotFound("the group has no such collection")
    return SharedItem.objects.filter(collection=target, paper=paper).delete()[0] > 0


def listed_items(target: SharedCollection) -> QuerySet[SharedItem]:
    """A group collection's papers as pages, feeds and the API list them: visible papers,
    newest added first."""
    return (
        target.items.filter(paper__hidden=False)
        .select_related("paper", "added_by")
        .order_by("-added_at", "-pk")
    )


# --- the week ----------------------------------------------------------------------------------


@dataclass
class WeekPaper:
    paper: Paper
    saved_in: list[str] = field(default_factory=list)  # the group collections' names
    upvotes: int = 0  # members who upvoted it this week
    last: dt.datetime | None = None


@dataclass
class Week:
    period: Period
    papers: list[WeekPaper]


def this_week(today: dt.date | None = None) -> Period:
    return week_of(today or timezone.localdate())


def bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """A period's days as a half-open range of aware datetimes, in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period.first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.last, dt.time.min, tzinfo=zone) + dt.timedelta(days=1)
    return start, end


def week_activity(groups: list[int], period: Period) -> dict[int, dict[int, WeekPaper]]:
    """group id -> paper id -> what the group's members saved (to group collections) and
    upvoted during ``period``: two queries for any number of groups."""
    start, end = bounds(period)
    found: dict[int, dict[int, WeekPaper]] = {g: {} for g in groups}
    if not groups:
        return found
    papers: dict[int, Paper] = {}

    def entry(group_id: int, paper: Paper) -> WeekPaper:
        papers.setdefault(paper.pk, paper)
        row = found[group_id].get(paper.pk)
        if row is None:
            row = found[group_id][paper.pk] = WeekPaper(papers[paper.pk])
        return row

    items = SharedItem.objects.filter(
        collection__group_id__in=groups,
        added_at__gte=start,
        added_at__lt=end,
        paper__hidden=False,
    ).values_list("collection__group_id", "collection__name", "added_at", "paper")
    in_bulk: dict[int, list[tuple[int, str, dt.datetime]]] = {}
    for group_id, name, at, paper_id in items:
        in_bulk.setdefault(paper_id, []).append((group_id, name, at))
    votes = Vote.objects.filter(
        created_at__gte=start,
        created_at__lt=end,
        paper__hidden=False,
        user__group_memberships__group_id__in=groups,
    ).values_list("user__group_memberships__group_id", "paper_id", "created_at")
    voted: list[tuple[int, int, dt.datetime]] = list(votes)
    ids = set(in_bulk) | {p for _, p, _ in voted}
    loaded = Paper.objects.in_bulk(list(ids))
    for paper_id, rows in in_bulk.items():
        for group_id, name, at in rows:
            row = entry(group_id, loaded[paper_id])
            if name not in row.saved_in:
                row.saved_in.append(name)
            row.last = max(row.last or at, at)
    for group_id, paper_id, at in voted:
        row = entry(group_id, loaded[paper_id])
        row.upvotes += 1
        row.last = max(row.last or at, at)
    return found


def week(group: Group, period: Period) -> Week:
    """What the group saved and upvoted in ``period``: the most upvoted first, then the
    most recent."""
    rows = list(week_activity([group.pk], period)[group.pk].values())
    rows.sort(
        key=lambda r: (-r.upvotes, -len(r.saved_in), -(r.last or start_of(period)).timestamp())
    )
    return Week(period, rows)


def start_of(period: Period) -> dt.datetime:
    return bounds(period)[0]
