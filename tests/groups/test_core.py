"""The groups' rules: owners and members, leaving and removing, shared collections, the week
and the reading queue (one vote per member, discussed papers leave), and the private queue
feed's address that dies with the membership."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.utils import timezone

from paperwire.catalogue.periods import week_of
from paperwire.community.models import Vote
from paperwire.community.votes import toggle_vote
from paperwire.groups import (
    Group,
    GroupError,
    NotFound,
    Proposal,
    SharedItem,
    add_member,
    add_paper,
    collection_named,
    create_collection,
    create_group,
    discussed,
    export_group,
    feed_token,
    groups_of,
    leave,
    member_for_feed,
    membership,
    propose,
    queue_of,
    queues_of,
    remove_member,
    vote,
    week,
)
from paperwire.groups.queue import FEED_SALT
from tests.factories import account, group, membership_of, paper


def test_the_maker_owns_the_group_and_slugs_stay_unique():
    reader = account("a@lab.org")
    first = create_group(reader, "  Vision   lab ")
    second = create_group(account("b@lab.org"), "Vision lab")
    assert (first.name, first.slug) == ("Vision lab", "vision-lab")
    assert second.slug == "vision-lab-2"
    assert membership(reader, "vision-lab").role == "owner"
    assert create_group(reader, "Invite").slug == "invite-group"  # a page's name is not a slug
    with pytest.raises(GroupError, match="at most 100"):
        create_group(reader, "x" * 101)


def test_membership_is_the_only_way_in():
    owner, outsider = account("o@lab.org"), account("x@lab.org")
    made = group(owner=owner)
    with pytest.raises(NotFound):
        membership(outsider, made.slug)
    add_member(made, outsider)
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    with pytest.raises(NotFound):  # a blocked account is in no group
        membership(outsider, made.slug)
    assert list(groups_of(owner)) == [made]


def test_owners_remove_members_and_members_cannot():
    owner, member = account("o@lab.org"), account("m@lab.org")
    made = group(owner=owner, members=(member,))
    with pytest.raises(GroupError, match="only the group's owners"):
        remove_member(membership_of(member, made), owner.pk)
    with pytest.raises(GroupError, match="use Leave"):
        remove_member(membership_of(owner, made), owner.pk)
    remove_member(membership_of(owner, made), member.pk)
    with pytest.raises(NotFound):
        membership(member, made.slug)


def test_the_oldest_member_takes_over_from_the_last_owner_and_an_empty_group_goes():
    owner, first, second = account("o@lab.org"), account("1@lab.org"), account("2@lab.org")
    made = group(owner=owner, members=(first, second))
    assert leave(membership_of(owner, made)) is True
    assert membership_of(first, made).role == "owner"
    assert membership_of(second, made).role == "member"
    leave(membership_of(second, made))
    assert leave(membership_of(first, made)) is False
    assert not Group.objects.filter(pk=made.pk).exists()


def test_shared_collections_are_the_groups_not_a_readers_library():
    owner, member = account("o@lab.org"), account("m@lab.org")
    made = group(owner=owner, members=(member,))
    target = paper()
    shared = collection_named(membership_of(member, made), None)
    assert shared.name == "Reading list"
    add_paper(membership_of(member, made), shared, target)
    add_paper(membership_of(owner, made), shared, target)  # once
    assert SharedItem.objects.get().added_by == member
    with pytest.raises(GroupError, match="already"):
        create_collection(membership_of(owner, made), "reading LIST")
    other = group("Other", owner=account("z@lab.org"))
    with pytest.raises(NotFound):
        add_paper(membership_of(other.memberships.get().user, other), shared, target)
    from paperwire.library import Entry

    assert not Entry.objects.exists()  # nobody's library changed


def test_the_week_counts_members_votes_and_additions_inside_its_days_only():
    owner, member, outsider = account("o@lab.org"), account("m@lab.org"), account("x@lab.org")
    made = group(owner=owner, members=(member,))
    period = week_of(timezone.localdate())
    inside, before = paper(title="inside"), paper(title="before")
    for reader in (owner, member, outsider):
        toggle_vote(reader, inside)
    toggle_vote(member, before)
    start = dt.datetime.combine(period.first, dt.time.min, tzinfo=timezone.get_current_timezone())
    Vote.objects.filter(paper=before).update(created_at=start - dt.timedelta(seconds=1))
    rows = week(made, period).papers
    assert [(r.paper.title, r.upvotes) for r in rows] == [("inside", 2)]
    last_week = week(made, week_of(period.first - dt.timedelta(days=1))).papers
    assert [(r.paper.title, r.upvotes) for r in last_week] == [("before", 1)]


def test_one_vote_per_member_most_votes_first_and_discussed_leaves_the_queue():
    owner, member = account("o@lab.org"), account("m@lab.org")
    made = group(owner=owner, members=(member,))
    a, b = paper(title="A"), paper(title="B")
    first, created = propose(membership_of(owner, made), a)
    assert created
    propose(membership_of(member, made), b)
    for _ in range(3):
        vote(membership_of(member, made), first)
    assert [(q.paper.title, q.votes) for q in queue_of(made)] == [("A", 2), ("B", 1)]
    assert propose(membership_of(member, made), a) == (first, False)
    assert queues_of([made.pk], 1) == {made.pk: [(a.pk, 2)]}
    discussed(membership_of(member, made), first)
    assert [q.paper.title for q in queue_of(made)] == ["B"]
    first.refresh_from_db()
    with pytest.raises(GroupError, match="discussed"):
        vote(membership_of(owner, made), first)
    again, created = propose(membership_of(owner, made), a)
    assert created
    assert again.pk == first.pk
    # Back with the proposer's vote only; a tie goes to the paper proposed first (B).
    assert [(q.paper.title, q.votes) for q in queue_of(made)] == [("B", 1), ("A", 1)]


def test_a_queue_feed_address_dies_with_the_membership():
    owner, member = account("o@lab.org"), account("m@lab.org")
    made = group(owner=owner, members=(member,))
    token = feed_token(membership_of(member, made))
    assert member_for_feed(token) == membership_of(member, made)
    leave(membership_of(member, made))
    assert member_for_feed(token) is None
    add_member(made, member)  # back again: a new membership, a new address
    assert member_for_feed(token) is None
    assert member_for_feed(feed_token(membership_of(member, made))) is not None
    forged = signing.Signer(salt=FEED_SALT + "x", sep=".").sign("1")
    assert member_for_feed(forged) is None
    assert member_for_feed("not a token") is None


def test_export_holds_members_collections_and_the_whole_queue():
    owner = account("o@lab.org")
    made = group("Lab", owner=owner)
    who = membership_of(owner, made)
    target = paper(title="Shared")
    add_paper(who, collection_named(who, "Reading"), target)
    proposal, _ = propose(who, target)
    discussed(who, proposal)
    data = export_group(made)
    assert data["group"]["slug"] == "lab"
    assert data["members"][0]["email"] == "o@lab.org"
    assert data["collections"][0]["papers"][0]["id"] == target.arxiv_id
    assert data["queue"][0]["discussed_at"] is not None
    assert Proposal.objects.count() == 1
