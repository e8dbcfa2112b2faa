"""Groups on the site: making a group, inviting and joining through the link, shared
collections, the week, the reading queue and its private feed — and that nothing of a group
shows to a non-member, an anonymous visitor, a removed member, through a forged or expired
invitation, a stale feed address, or the anonymous page cache."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from paperwire.catalogue.models import Paper
from paperwire.community.votes import toggle_vote
from paperwire.groups import (
    Group,
    Invitation,
    Proposal,
    add_member,
    add_paper,
    collection_named,
    feed_token,
    invite_token,
    leave,
    propose,
    remove_member,
)
from paperwire.groups.invitations import SALT
from tests.digests.conftest import smtp_server, smtp_sink
from tests.factories import account, group, membership_of, paper

pytestmark = pytest.mark.django_db
__all__ = ["smtp_server", "smtp_sink"]  # the digests' real SMTP server, for invitations

SECRET_NAME = "Secret Lab"


def signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def owner() -> User:
    return account("owner@lab.org")


@pytest.fixture
def member() -> User:
    return account("member@lab.org")


@pytest.fixture
def outsider() -> User:
    return account("outsider@example.org")


@pytest.fixture
def lab(owner: User, member: User) -> Group:
    return group(SECRET_NAME, owner=owner, members=(member,))


@pytest.fixture
def saved(lab: Group, member: User) -> Paper:
    """A paper a member saved to the group's collection and proposed for the queue."""
    found = paper(title="Quietly shared paper")
    who = membership_of(member, lab)
    add_paper(who, collection_named(who, "Diffusion"), found)
    propose(who, found)
    return found


def member_pages(lab: Group) -> list[str]:
    slug = lab.slug
    return [
        f"/groups/{slug}",
        f"/groups/{slug}/c/diffusion",
        f"/groups/{slug}/week",
        f"/groups/{slug}/queue",
    ]


def member_posts(lab: Group, target: Paper) -> list[tuple[str, dict[str, str]]]:
    slug = lab.slug
    proposal = Proposal.objects.get(group=lab, paper=target)
    return [
        (f"/groups/{slug}/invite", {"email": "friend@example.org"}),
        (f"/groups/{slug}/collections", {"name": "Mine now"}),
        (f"/groups/{slug}/save", {"paper": target.arxiv_id}),
        (f"/groups/{slug}/c/diffusion/remove", {"paper": target.arxiv_id}),
        (f"/groups/{slug}/queue/propose", {"paper": target.arxiv_id}),
        (f"/groups/{slug}/queue/{proposal.pk}/vote", {"on": "1"}),
        (f"/groups/{slug}/queue/{proposal.pk}/discussed", {}),
        (f"/groups/{slug}/leave", {}),
    ]


# --- making a group, inviting, joining -------------------------------------------------------


def test_a_reader_makes_a_group_and_becomes_its_owner(owner: User):
    browser = signed_in(owner)
    answer = browser.post("/groups", {"name": "Vision lab"})
    assert answer.status_code == 302
    assert answer["Location"] == "/groups/vision-lab"
    page = browser.get("/groups/vision-lab")
    assert page.status_code == 200
    assert "owner@lab.org" in page.content.decode()
    assert 'href="/groups"' in browser.get("/").content.decode()  # the nav's link


def test_a_group_without_a_name_is_one_clear_message(owner: User):
    answer = signed_in(owner).post("/groups", {"name": "   "}, follow=True)
    assert "a group needs a name" in answer.content.decode()
    assert not Group.objects.exists()


def test_the_nav_links_groups_only_for_members_in_one_query(owner: User, lab: Group):
    stranger = account("nobody@example.org")
    browser = signed_in(owner)
    with CaptureQueriesContext(connection) as queries:
        home = browser.get("/").content.decode()
    assert 'href="/groups"' in home
    assert sum("groups_membership" in q["sql"] for q in queries.captured_queries) == 1
    assert '<a href="/groups"' not in signed_in(stranger).get("/").content.decode()


def test_invitation_link_joins_the_invited_address_only(
    owner: User, lab: Group, smtp_sink, settings
):
    settings.BASE_URL = "http://testserver"
    signed_in(owner).post(f"/groups/{lab.slug}/invite", {"email": "new@lab.org"})
    body = smtp_sink.messages[0].get_body(("plain",)).get_content()
    path = re.search(r"http://testserver(/groups/invite/\S+)", body).group(1)  # type: ignore[union-attr]

    anonymous = Client().get(path).content.decode()
    assert "Sign in" in anonymous
    assert "new@lab.org" in anonymous

    wrong = account("wrong@example.org")
    refused = signed_in(wrong).post(path, follow=True).content.decode()
    assert "sent to new@lab.org" in refused
    assert signed_in(wrong).get(f"/groups/{lab.slug}").status_code == 404

    newcomer = account("new@lab.org")
    joined = signed_in(newcomer).post(path)
    assert joined["Location"] == f"/groups/{lab.slug}"
    assert signed_in(newcomer).get(f"/groups/{lab.slug}").status_code == 200
    used = Client().get(path)
    assert used.status_code == 404
    assert "used already" in used.content.decode()


def test_a_mail_scanner_following_the_link_changes_nothing(owner: User, lab: Group, smtp_sink):
    signed_in(owner).post(f"/groups/{lab.slug}/invite", {"email": "new@lab.org"})
    invitation = Invitation.objects.get()
    newcomer = account("new@lab.org")
    page = signed_in(newcomer).get(f"/groups/invite/{invite_token(invitation)}")
    assert page.status_code == 200
    assert not lab.memberships.filter(user=newcomer).exists()


@pytest.mark.parametrize("kind", ["forged", "expired", "withdrawn"])
def test_a_bad_invitation_link_is_a_404_that_names_no_group(
    owner: User, lab: Group, smtp_sink, settings, kind: str
):
    signed_in(owner).post(f"/groups/{lab.slug}/invite", {"email": "new@lab.org"})
    invitation = Invitation.objects.get()
    token = invite_token(invitation)
    if kind == "forged":
        token = signing.TimestampSigner(salt="guess", sep=".").sign(str(invitation.pk))
    elif kind == "expired":

        class Earlier(signing.TimestampSigner):
            def timestamp(self) -> str:
                days = settings.GROUP_INVITE_DAYS + 1
                return signing.b62_encode(int(time.time()) - days * 86400)

        token = Earlier(salt=SALT, sep=".").sign(str(invitation.pk))
    else:
        signed_in(owner).post(f"/groups/{lab.slug}/invitations/{invitation.pk}/withdraw")
    newcomer = account("new@lab.org")
    for browser in (Client(), signed_in(newcomer)):
        answer = browser.get(f"/groups/invite/{token}")
        assert answer.status_code == 404
        assert SECRET_NAME not in answer.content.decode()
        assert browser.post(f"/groups/invite/{token}").status_code == 404
    assert not lab.memberships.filter(user=newcomer).exists()


def test_an_owner_removes_a_member_and_a_member_cannot_remove(
    owner: User, member: User, lab: Group
):
    refused = signed_in(member).post(f"/groups/{lab.slug}/members/{owner.pk}/remove", follow=True)
    assert "only the group&#x27;s owners" in refused.content.decode()
    signed_in(owner).post(f"/groups/{lab.slug}/members/{member.pk}/remove")
    assert signed_in(member).get(f"/groups/{lab.slug}").status_code == 404


def test_the_last_owner_leaving_hands_the_group_on(owner: User, member: User, lab: Group):
    signed_in(owner).post(f"/groups/{lab.slug}/leave")
    assert membership_of(member, lab).role == "owner"
    signed_in(member).post(f"/groups/{lab.slug}/leave")
    assert not Group.objects.filter(pk=lab.pk).exists()


# --- collections, the week, the queue --------------------------------------------------------


def test_a_member_saves_a_paper_from_its_page_to_the_group(member: User, lab: Group):
    target = paper(title="A paper to share")
    browser = signed_in(member)
    page = browser.get(f"/papers/{target.arxiv_id}").content.decode()
    assert f"Save to {SECRET_NAME}’s collection" in page
    assert f"Propose for {SECRET_NAME}’s reading queue" in page
    browser.post(f"/groups/{lab.slug}/save", {"paper": target.arxiv_id})
    browser.post(f"/groups/{lab.slug}/queue/propose", {"paper": target.arxiv_id})
    listed = browser.get(f"/groups/{lab.slug}/c/reading-list").content.decode()
    assert "A paper to share" in listed
    assert "added by member@lab.org" in listed
    assert "A paper to share" in browser.get(f"/groups/{lab.slug}/queue").content.decode()


def test_the_week_shows_what_members_saved_and_upvoted_and_nothing_of_outsiders(
    owner: User, member: User, outsider: User, lab: Group, saved: Paper
):
    upvoted = paper(title="Upvoted by two members")
    toggle_vote(owner, upvoted)
    toggle_vote(member, upvoted)
    elsewhere = paper(title="Only an outsider upvoted this")
    toggle_vote(outsider, elsewhere)
    page = signed_in(member).get(f"/groups/{lab.slug}/week").content.decode()
    assert "Quietly shared paper" in page
    assert "saved in Diffusion" in page
    assert "Upvoted by two members" in page
    assert "upvoted by 2 members" in page
    assert "Only an outsider upvoted this" not in page
    assert page.index("Upvoted by two members") < page.index("Quietly shared paper")


def test_the_week_parameter_is_checked(member: User, lab: Group):
    answer = signed_in(member).get(f"/groups/{lab.slug}/week?week=2025-W99")
    assert answer.status_code == 400
    assert "not a week" in answer.content.decode()
    assert signed_in(member).get(f"/groups/{lab.slug}/week?week=2025-W07").status_code == 200


def test_one_vote_per_member_and_discussed_clears_the_paper(
    owner: User, member: User, lab: Group, saved: Paper
):
    proposal = Proposal.objects.get(group=lab, paper=saved)
    for _ in range(3):
        signed_in(owner).post(f"/groups/{lab.slug}/queue/{proposal.pk}/vote", {"on": "1"})
    queue = signed_in(owner).get(f"/groups/{lab.slug}/queue").content.decode()
    assert "2 votes" in queue  # the proposer's and the owner's, once each
    assert "Voted ✓" in queue
    signed_in(owner).post(f"/groups/{lab.slug}/queue/{proposal.pk}/vote", {"on": "0"})
    assert proposal.votes.count() == 1
    signed_in(member).post(f"/groups/{lab.slug}/queue/{proposal.pk}/discussed")
    queue = signed_in(owner).get(f"/groups/{lab.slug}/queue").content.decode()
    assert "Quietly shared paper" not in queue


def test_proposing_something_that_is_not_a_paper_is_one_clear_message(member: User, lab: Group):
    answer = signed_in(member).post(
        f"/groups/{lab.slug}/queue/propose", {"paper": "no such thing"}, follow=True
    )
    assert "is not a paper in the catalogue" in answer.content.decode()


def test_the_queue_feed_at_a_members_address(member: User, lab: Group, saved: Paper):
    token = feed_token(membership_of(member, lab))
    rss = Client().get(f"/groups/feed/{token}.rss")
    assert rss.status_code == 200
    assert "Quietly shared paper" in rss.content.decode()
    assert "1 vote" in rss.content.decode()
    assert "no-store" in rss["Cache-Control"]
    atom = Client().get(f"/groups/feed/{token}.atom")
    assert atom.status_code == 200
    assert "<feed" in atom.content.decode()


def test_a_stale_feed_address_stops_after_leaving_or_removal(
    owner: User, member: User, lab: Group, saved: Paper
):
    token = feed_token(membership_of(member, lab))
    owner_token = feed_token(membership_of(owner, lab))
    leave(membership_of(member, lab))
    for ending in ("rss", "atom"):
        gone = Client().get(f"/groups/feed/{token}.{ending}")
        assert gone.status_code == 404
        assert SECRET_NAME not in gone.content.decode()
    assert Client().get(f"/groups/feed/{owner_token}.rss").status_code == 200
    forged = signing.Signer(salt="guess", sep=".").sign("1")
    assert Client().get(f"/groups/feed/{forged}.rss").status_code == 404


# --- privacy through every page ----------------------------------------------------------------


@pytest.fixture
def visitors(outsider: User, lab: Group, member: User) -> dict[str, Client]:
    removed = account("removed@lab.org")
    add_member(lab, removed)
    remove_member(membership_of(lab.memberships.get(role="owner").user, lab), removed.pk)
    return {"anonymous": Client(), "outsider": signed_in(outsider), "removed": signed_in(removed)}


@pytest.mark.parametrize("who", ["anonymous", "outsider", "removed"])
def test_no_group_page_shows_anything_to_a_non_member(
    lab: Group, saved: Paper, visitors: dict[str, Client], who: str
):
    browser = visitors[who]
    for path in member_pages(lab):
        answer = browser.get(path)
        assert answer.status_code in (302, 404), path
        if answer.status_code == 302:
            assert answer["Location"].startswith("/accounts/login/code/")
        assert SECRET_NAME not in answer.content.decode()
        assert "Quietly shared paper" not in answer.content.decode()
    home = browser.get("/").content.decode()
    assert SECRET_NAME not in home
    assert SECRET_NAME not in browser.get(f"/papers/{saved.arxiv_id}").content.decode()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "removed"])
def test_no_group_action_works_for_a_non_member(
    lab: Group, saved: Paper, visitors: dict[str, Client], who: str, smtp_sink
):
    browser = visitors[who]
    before = (lab.collections.count(), lab.proposals.count(), lab.memberships.count())
    for path, data in member_posts(lab, saved):
        answer = browser.post(path, data)
        assert answer.status_code in (302, 404), path
        if answer.status_code == 302:
            assert answer["Location"].startswith("/accounts/login/code/")
    assert (lab.collections.count(), lab.proposals.count(), lab.memberships.count()) == before
    assert Proposal.objects.get(paper=saved).votes.count() == 1
    assert smtp_sink.messages == []


def test_the_anonymous_page_cache_never_serves_a_members_paper_page(
    member: User, lab: Group, saved: Paper, settings
):
    settings.PAGE_CACHE_SECONDS = 60
    address = f"/papers/{saved.arxiv_id}"
    assert SECRET_NAME in signed_in(member).get(address).content.decode()
    first = Client().get(address).content.decode()
    assert SECRET_NAME not in first
    assert SECRET_NAME in signed_in(member).get(address).content.decode()  # not the cached one
    assert SECRET_NAME not in Client().get(address).content.decode()


def test_group_pages_are_never_cached(member: User, lab: Group, saved: Paper):
    for path in member_pages(lab):
        answer = signed_in(member).get(path)
        assert answer.status_code == 200, path
        assert "no-store" in answer["Cache-Control"]
        assert "private" in answer["Cache-Control"]


def test_hostile_names_are_inert_in_pages_and_feeds(owner: User):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    made = group(hostile, owner=owner)
    who = membership_of(owner, made)
    target = paper(title='<b onmouseover="alert(3)">Bold</b> title')
    add_paper(who, collection_named(who, hostile), target)
    propose(who, target)
    browser = signed_in(owner)
    for path in (
        f"/groups/{made.slug}",
        f"/groups/{made.slug}/queue",
        f"/groups/{made.slug}/week",
        "/groups",
        f"/papers/{target.arxiv_id}",
    ):
        page = browser.get(path).content.decode()
        assert "<script>alert(1)" not in page, path
        assert 'onerror="alert(2)"' not in page, path
        assert '<b onmouseover="alert(3)">' not in page, path
    feed = Client().get(f"/groups/feed/{feed_token(who)}.rss").content.decode()
    assert "<script>" not in feed
    assert "&lt;script&gt;" in feed
