"""The digest's "Your groups" section: for each group a subscriber is in, the group's reading
queue (most votes first) and what its members saved and upvoted in the week.

A subscriber is in a group when the account with their address is a member (``Person.email``
against the members' account addresses, case-insensitively), or when the subscriber's account
(``Person.account``) is. All the batching happens in ``prepare``, once per composing run,
whatever the number of subscribers: the subscribers' memberships in a query per ``CHUNK``
addresses, every group's week in two queries (``groups.week_activity``) and every group's
queue in one (``groups.queues_of``). Picking one subscriber's papers is then a merge of lists
already made.

The week is the one holding the run's last day when the run says its period, else the week
up to yesterday: a weekly digest composed on Monday covers the week just ended, a daily one
the week so far.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from paperwire.catalogue.periods import Period, week_of

if TYPE_CHECKING:
    from paperwire.digests.sections import Person, Pick, Picker, Run

# Addresses per membership query: well under SQLite's limit on a statement's parameters.
CHUNK = 5_000
QUEUE_ITEMS = 5  # per group
WEEK_ITEMS = 5  # per group


def section_week(run: Run) -> Period:
    if run.period is not None:
        return week_of(run.period.last)
    return week_of(timezone.localdate() - dt.timedelta(days=1))


def _account(person: Person) -> int | None:
    """The subscriber's account, signals or not (``Person.account``), else the one the
    composer matched for For you."""
    account: int | None = getattr(person, "account", None)
    return account if account is not None else person.user


def prepare(run: Run) -> Picker:
    from paperwire.digests.sections import Pick
    from paperwire.groups import Group, Membership, queues_of, week_activity

    addresses = sorted({p.email.strip().lower() for p in run.people if p.email})
    accounts = sorted({a for a in map(_account, run.people) if a is not None})
    if not addresses and not accounts:
        return lambda person: ()
    by_address: dict[str, set[int]] = {}
    by_account: dict[int, set[int]] = {}
    chunks = max(len(addresses), len(accounts))
    for start in range(0, chunks, CHUNK):
        some_addresses = addresses[start : start + CHUNK]
        some_accounts = accounts[start : start + CHUNK]
        rows = (
            Membership.objects.annotate(address=Lower("user__email"))
            .filter(Q(address__in=some_addresses) | Q(user_id__in=some_accounts))
            .filter(user__is_active=True)
            .values_list("group_id", "user_id", "address")
        )
        for group_id, user_id, address in rows:
            by_address.setdefault(address, set()).add(group_id)
            by_account.setdefault(user_id, set()).add(group_id)
    group_ids = sorted({g for found in (*by_address.values(), *by_account.values()) for g in found})
    if not group_ids:
        return lambda person: ()
    names = dict(Group.objects.filter(pk__in=group_ids).values_list("pk", "name"))
    week = section_week(run)
    activity = week_activity(group_ids, week)
    queued = queues_of(group_ids, QUEUE_ITEMS)

    picks: dict[int, list[Pick]] = {}
    for group_id in group_ids:
        name = names[group_id]
        chosen: list[Pick] = []
        for paper_id, votes in queued.get(group_id, []):
            plural = "s" if votes != 1 else ""
            chosen.append(Pick(paper_id, (f"{name}: reading queue, {votes} vote{plural}",)))
        ranked = sorted(
            activity.get(group_id, {}).values(),
            key=lambda r: (-r.upvotes, -len(r.saved_in), r.paper.pk),
        )
        for row in ranked[:WEEK_ITEMS]:
            why = []
            if row.upvotes:
                plural = "s" if row.upvotes != 1 else ""
                why.append(f"{name}: upvoted by {row.upvotes} member{plural}")
            if row.saved_in:
                why.append(f"{name}: saved in {', '.join(row.saved_in)}")
            chosen.append(Pick(row.paper.pk, tuple(why)))
        picks[group_id] = chosen

    def pick(person: Person) -> list[Pick]:
        mine = set(by_address.get(person.email.strip().lower(), ()))
        account = _account(person)
        if account is not None:
            mine |= by_account.get(account, set())
        found: list[Pick] = []
        for group_id in sorted(mine, key=lambda g: (names[g], g)):
            found.extend(picks[group_id])
        return found

    return pick
