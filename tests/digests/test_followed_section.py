"""The "Followed authors" section: the period's papers by the authors and organisations the
subscriber's account follows (whole names only), whether or not the account has For-you
signals, each saying whom it is by; and in the mail, under its own heading."""

from __future__ import annotations

import pytest

from paperwire.catalogue.periods import containing
from paperwire.community import set_follow
from paperwire.digests.compose import compose_period
from paperwire.digests.models import Digest
from paperwire.digests.render import Renderer
from paperwire.digests.sections import people
from tests.factories import DAY, account, paper, subscriber

pytestmark = pytest.mark.django_db
DAILY = containing("daily", DAY)


def sectioned(email: str) -> list[tuple[str, str, list[str]]]:
    from paperwire.catalogue.models import Paper

    digest = Digest.objects.get(subscriber__email=email, period_start=DAILY.first)
    ids = {p.pk: p.arxiv_id for p in Paper.objects.all()}
    return [
        (str(i["section"]), ids[int(str(i["paper"]))], [str(w) for w in i["why"]])  # type: ignore[attr-defined]
        for i in digest.items
    ]


def test_followed_authors_papers_form_a_section_for_an_account_without_signals():
    paper("2503.00001", "By Yang", authors=["Yang Li", "Bo Chen"], upvotes=1)
    paper("2503.00002", "By Yang Liu", authors=["Yang Liu"], upvotes=5)
    paper("2503.00003", "From the lab", organization="Hugging Face", upvotes=3)
    reader = account("reader@example.org")
    set_follow(reader, "author", "Yang Li", following=True)
    set_follow(reader, "org", "hugging face", following=True)
    subscriber("reader@example.org", trending=False)
    subscriber("stranger@example.org", trending=False)
    compose_period(DAILY)
    assert sectioned("reader@example.org") == [
        ("followed", "2503.00003", ["from hugging face, which you follow"]),
        ("followed", "2503.00001", ["by Yang Li, whom you follow"]),
    ]
    assert not Digest.objects.filter(subscriber__email="stranger@example.org").exists()


def test_the_subscribers_account_is_found_by_address_or_by_who_subscribed():
    owner = account("Reader@Example.org")
    other = account("signed-in@example.org")
    by_address = subscriber("reader@example.org")
    by_session = subscriber("elsewhere@example.org")
    by_session.user = other
    by_session.save()
    nobody = subscriber("nobody@example.org")
    found = {p.subscriber: p.account for p in people([by_address.pk, by_session.pk, nobody.pk])}
    assert found == {by_address.pk: owner.pk, by_session.pk: other.pk, nobody.pk: None}


def test_the_mail_shows_the_section_under_its_heading():
    paper("2503.00001", "By Yang", authors=["Yang Li"])
    reader = account("reader@example.org")
    set_follow(reader, "author", "Yang Li", following=True)
    subscriber("reader@example.org", trending=False)
    compose_period(DAILY)
    digest = Digest.objects.get(subscriber__email="reader@example.org")
    out = Renderer(DAILY).outbound(digest, "reader@example.org")
    assert ">Followed authors</div>" in out.html
    assert "== Followed authors ==\nNew papers by the authors and organisations you follow." in (
        out.text
    )
    assert "by Yang Li, whom you follow" in out.text
