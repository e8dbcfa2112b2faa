"""A digest's feedback links (save, more like this, less like this), followed from a mail a
real SMTP server received: the GET only asks, the POST records, a bad link records nothing."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from paperwire.catalogue.models import Paper
from paperwire.catalogue.periods import containing
from paperwire.digests import links
from paperwire.digests.compose import compose_period
from paperwire.digests.models import Digest
from paperwire.digests.send import Sender
from paperwire.library import Entry, Mark
from tests.digests.conftest import SmtpSink
from tests.factories import DAY, account, paper, subscriber

pytestmark = pytest.mark.django_db
DAILY = containing("daily", DAY)
LINK = re.compile(r"https?://[^\s\"<>]+/subscriptions/feedback/[^\s\"<>]+")


def mailed(sink: SmtpSink, email: str) -> EmailMessage:
    compose_period(DAILY)
    Sender(rate=0, retry_base=0.01).send_period(DAILY)
    (message,) = sink.to(email)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def feedback_links(message: EmailMessage) -> dict[tuple[str, str], str]:
    """(arXiv id, action) -> the link's path, read from the mail's plain-text part."""
    text, _ = parts(message)
    by_pk = dict(Paper.objects.values_list("pk", "arxiv_id"))
    found: dict[tuple[str, str], str] = {}
    for url in LINK.findall(text):
        path = urlsplit(url).path
        *_, pk, action = path.split("/")
        found[(by_pk[int(pk)], action)] = path
    return found


@pytest.fixture
def popular() -> Paper:
    return paper("2503.00001", "Popular <b>bold</b> claims", upvotes=5)


def test_every_paper_carries_save_more_and_less_links_in_both_parts(
    smtp_sink: SmtpSink, popular: Paper
):
    paper("2503.00002", "Also popular", upvotes=2)
    subscriber("reader@example.org")
    message = mailed(smtp_sink, "reader@example.org")
    found = feedback_links(message)
    assert set(found) == {
        (arxiv_id, action)
        for arxiv_id in ("2503.00001", "2503.00002")
        for action in ("save", "more", "less")
    }
    text, html = parts(message)
    for path in found.values():
        assert path in html
    assert "save: http" in text
    assert "more like this: http" in text
    assert ">Less like this</a>" in html


def test_a_get_asks_with_one_button_and_records_nothing(smtp_sink: SmtpSink, popular: Paper):
    account("reader@example.org")
    subscriber("reader@example.org")
    path = feedback_links(mailed(smtp_sink, "reader@example.org"))[("2503.00001", "save")]
    for _ in range(3):  # a scanner, a preview, the reader
        page = Client().get(path)
        assert page.status_code == 200
    body = page.content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    assert main.count("<button") == main.count('<button type="submit" class="primary">Save') == 1
    assert "Popular &lt;b&gt;bold&lt;/b&gt; claims" in body  # the title, escaped
    assert page["Cache-Control"].startswith("max-age=0")
    assert not Entry.objects.exists()
    assert not Mark.objects.exists()


def test_the_button_works_from_the_page_the_get_rendered_even_with_csrf_checks(
    smtp_sink: SmtpSink, popular: Paper
):
    reader = account("reader@example.org")
    subscriber("reader@example.org")
    path = feedback_links(mailed(smtp_sink, "reader@example.org"))[("2503.00001", "more")]
    browser = Client(enforce_csrf_checks=True)  # no session, no cookie: as from a mail client
    form = re.search(r'<form method="post" action="([^"]+)"', browser.get(path).content.decode())
    assert form is not None
    done = browser.post(form.group(1))
    assert done.status_code == 200
    assert "More like this, noted" in done.content.decode()
    assert list(Mark.objects.values_list("user", "paper__arxiv_id", "kind", "source")) == [
        (reader.pk, "2503.00001", "more", "mail")
    ]


def test_save_from_a_digest_puts_the_paper_in_the_accounts_saved(
    smtp_sink: SmtpSink, popular: Paper
):
    reader = account("Reader@Example.org")  # an account's address in any case is the same
    subscriber("reader@example.org")
    found = feedback_links(mailed(smtp_sink, "reader@example.org"))
    assert Client().post(found[("2503.00001", "save")]).status_code == 200
    assert Client().post(found[("2503.00001", "save")]).status_code == 200  # twice: one entry
    assert Client().post(found[("2503.00001", "less")]).status_code == 200
    (entry,) = Entry.objects.all()
    assert (entry.collection.owner, entry.collection.name, entry.paper) == (
        reader,
        "Saved",
        popular,
    )
    assert list(Mark.objects.values_list("user", "kind")) == [(reader.pk, "less")]


def test_an_address_only_subscribers_signals_are_kept_then_move_into_the_account_on_sign_up(
    smtp_sink: SmtpSink, popular: Paper
):
    subscriber("newcomer@example.org")
    found = feedback_links(mailed(smtp_sink, "newcomer@example.org"))
    done = Client().post(found[("2503.00001", "save")])
    assert "Kept for newcomer@example.org" in done.content.decode()
    Client().post(found[("2503.00001", "more")])
    kept = set(Mark.objects.filter(user=None).values_list("email", "kind"))
    assert kept == {("newcomer@example.org", "save"), ("newcomer@example.org", "more")}
    assert Mark.objects.count() == 2

    # Sign up through allauth's own flow: the address, then the code mailed to it.
    smtp_sink.clear()
    browser = Client()
    answer = browser.post("/accounts/signup/", {"email": "newcomer@example.org"})
    assert answer.status_code == 302, answer.content.decode()[:500]
    (mail,) = smtp_sink.to("newcomer@example.org")
    body = mail.get_body(("plain",))
    assert body is not None
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[0-9]{6})\s*$", body.get_content(), re.M)
    assert code is not None
    confirmed = browser.post(answer["Location"], {"code": code.group(1)})
    assert confirmed.status_code == 302
    user = get_user_model().objects.get(email="newcomer@example.org")
    assert list(Entry.objects.values_list("collection__owner", "collection__name", "paper")) == [
        (user.pk, "Saved", popular.pk)
    ]
    assert list(Mark.objects.values_list("user", "email", "kind")) == [(user.pk, "", "more")]


def test_a_tampered_link_is_refused_and_records_nothing(smtp_sink: SmtpSink, popular: Paper):
    other = paper("2503.00002", "Not in this digest")  # no votes: not trending, not sent
    subscriber("reader@example.org")
    subscriber("someone@example.org")
    account("reader@example.org")
    path = feedback_links(mailed(smtp_sink, "reader@example.org"))[("2503.00001", "save")]
    prefix, pk, action = path.rsplit("/", 2)
    token = prefix.rsplit("/", 1)[1]
    mine = Digest.objects.get(subscriber__email="reader@example.org")
    theirs = Digest.objects.get(subscriber__email="someone@example.org")
    forged = token.replace(f".{mine.pk}:", f".{theirs.pk}:")  # another digest, same signature
    assert forged != token
    refused = {
        f"{prefix[:-3]}abc/{pk}/{action}": 400,  # the signature altered
        f"{prefix.replace(token, forged)}/{pk}/{action}": 400,
        f"{prefix}/{other.pk}/{action}": 404,  # a paper the digest does not hold
        f"{prefix}/{pk}/not_interested": 404,  # not an action a digest offers
    }
    for bad, status in refused.items():
        for method in (Client().get, Client().post):
            answer = method(bad)
            assert answer.status_code == status, bad
            assert "Nothing was recorded" in answer.content.decode()
    assert not Entry.objects.exists()
    assert not Mark.objects.exists()


def test_an_expired_link_is_refused_and_records_nothing(
    smtp_sink: SmtpSink, popular: Paper, monkeypatch: pytest.MonkeyPatch
):
    account("reader@example.org")
    subscriber("reader@example.org")
    compose_period(DAILY)
    digest = Digest.objects.get()
    long_ago = time.time() - links.FEEDBACK_MAX_AGE - 60
    monkeypatch.setattr(time, "time", lambda: long_ago)  # the link was made then
    prefix = links.feedback_prefix(digest.subscriber_id, digest.pk)
    monkeypatch.undo()
    path = urlsplit(links.feedback_url(prefix, popular.pk, "save")).path
    answer = Client().post(path)
    assert answer.status_code == 400
    assert (
        "This link has expired: a digest&#x27;s links work for 60 days" in answer.content.decode()
    )
    assert not Entry.objects.exists()
