"""The digest's "Your groups" section: each group's reading queue and what its members saved
and upvoted in the week, for subscribers whose address is a member's — found in a few
batched queries however many subscribers there are, and shown to nobody else."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from paperwire.catalogue.periods import containing
from paperwire.community.models import Vote
from paperwire.community.votes import toggle_vote
from paperwire.digests.compose import compose_period
from paperwire.digests.group_section import prepare
from paperwire.digests.models import Digest
from paperwire.digests.render import Renderer
from paperwire.digests.sections import Run, people
from paperwire.groups import (
    SharedItem,
    add_member,
    add_paper,
    collection_named,
    propose,
    remove_member,
    vote,
)
from tests.factories import DAY, account, group, membership_of, paper, subscriber

pytestmark = pytest.mark.django_db
DAILY = containing("daily", DAY)


def yesterday_noon() -> dt.datetime:
    """Inside the week the section covers: the week holding the digest's day (DAY)."""
    day = DAY - dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


def group_items(email: str) -> list[tuple[str, list[str]]]:
    from paperwire.catalogue.models import Paper

    digest = Digest.objects.get(subscriber__email=email, period_start=DAILY.first)
    titles = dict(Paper.objects.values_list("pk", "title"))
    return [
        (titles[int(str(i["paper"]))], [str(w) for w in cast(list[str], i["why"])])
        for i in digest.items
        if i["section"] == "groups"
    ]


@pytest.fixture
def lab():
    owner, member = account("owner@lab.org"), account("member@lab.org")
    made = group("Vision lab", owner=owner, members=(member,))
    who = membership_of(member, made)
    queued = paper(title="Queued for the meeting")
    propose(who, queued)
    vote(membership_of(owner, made), who.group.proposals.get(), True)
    saved = paper(title="Saved this week")
    add_paper(who, collection_named(who, "Diffusion"), saved)
    upvoted = paper(title="Upvoted this week")
    toggle_vote(owner, upvoted)
    stale = paper(title="Saved two weeks ago")
    add_paper(who, collection_named(who, "Diffusion"), stale)
    SharedItem.objects.exclude(paper=stale).update(added_at=yesterday_noon())
    SharedItem.objects.filter(paper=stale).update(added_at=yesterday_noon() - dt.timedelta(14))
    Vote.objects.update(created_at=yesterday_noon())
    return made


def test_a_members_digest_has_the_queue_and_the_week(lab):
    subscriber("Member@Lab.org", trending=False)  # the address matches whatever its case
    compose_period(DAILY)
    assert group_items("Member@Lab.org") == [
        ("Queued for the meeting", ["Vision lab: reading queue, 2 votes"]),
        ("Upvoted this week", ["Vision lab: upvoted by 1 member"]),
        ("Saved this week", ["Vision lab: saved in Diffusion"]),
    ]


def test_an_outsider_or_a_removed_member_gets_no_group_section(lab):
    removed = account("removed@lab.org")
    add_member(lab, removed)
    remove_member(membership_of(lab.memberships.get(role="owner").user, lab), removed.pk)
    account("outsider@example.org")
    subscriber("outsider@example.org")
    subscriber("removed@lab.org")
    subscriber("member@lab.org")
    paper(title="Something trending", upvotes=5)
    compose_period(DAILY)
    assert group_items("outsider@example.org") == []
    assert group_items("removed@lab.org") == []
    assert group_items("member@lab.org") != []


def test_the_section_costs_the_same_few_queries_for_2_or_200_subscribers(lab):
    def queries(n: int) -> int:
        ids = []
        for k in range(n):
            reader = account(f"r{n}-{k}@lab.org")
            add_member(lab, reader)
            ids.append(subscriber(f"r{n}-{k}@lab.org").pk)
        run = Run([], [], {}, people(ids), period=DAILY)
        with CaptureQueriesContext(connection) as seen:
            pick = prepare(run)
            chosen = [list(pick(person)) for person in run.people]
        assert all(len(c) == 3 for c in chosen)
        return len(seen.captured_queries)

    few, many = queries(2), queries(200)
    assert few == many
    assert many <= 6


def test_the_mail_shows_the_section_with_a_hostile_name_escaped():
    owner = account("owner@lab.org")
    made = group('<img src=x onerror="alert(1)"> lab', owner=owner)
    propose(membership_of(owner, made), paper(title="On the queue"))
    person = subscriber("owner@lab.org", trending=False)
    compose_period(DAILY)
    digest = Digest.objects.get(subscriber=person)
    out = Renderer(DAILY).outbound(digest, person.email)
    assert ">Your groups</div>" in out.html
    assert "On the queue" in out.html
    assert '<img src=x onerror="alert(1)">' not in out.html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; lab: reading queue" in out.html
    assert '<img src=x onerror="alert(1)"> lab: reading queue, 1 vote' in out.text


def test_the_week_is_the_one_holding_the_digests_period():
    """A digest composed late (a resend, a weekly run on Monday) shows the week of its own
    period, not the week the composer happens to run in."""
    from paperwire.catalogue.periods import containing
    from paperwire.digests.group_section import section_week

    run = Run([], [], {}, [], period=containing("daily", dt.date(2025, 3, 12)))
    assert section_week(run).slug == "2025-W11"
    weekly = Run([], [], {}, [], period=containing("weekly", dt.date(2025, 3, 12)))
    assert section_week(weekly).slug == "2025-W11"
