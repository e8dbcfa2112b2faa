"""The digest pages against a real SMTP server: subscribe, confirm, manage, unsubscribe."""

from __future__ import annotations

import datetime as dt
import re
import time
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from paperwire.digests import links
from paperwire.digests.models import Delivery, Subscriber
from tests.digests.conftest import SmtpSink
from tests.factories import account

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.org"


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def _paths(message: EmailMessage, kind: str) -> list[str]:
    """The site paths of the links of this kind (confirm, manage, unsubscribe) in a mail."""
    urls = re.findall(r"https?://\S+", _text(message))
    return [urlsplit(u).path for u in urls if f"/subscriptions/{kind}/" in u]


def _main(response: Any) -> str:
    page: str = response.content.decode()
    return page.split("<main>")[1].split("</main>")[0]


def _csrf(page: str) -> str:
    return page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]


def _subscribe(client: Client, email: str = ADDRESS, **fields: object) -> Any:
    data = {"email": email, "frequency": "daily", "include_trending": "1", **fields}
    return client.post("/subscribe", data)


def _confirmed(client: Client, sink: SmtpSink, email: str = ADDRESS, topics: str = "") -> str:
    """Subscribe and confirm; return the manage page's path."""
    _subscribe(client, email, topics=topics)
    (confirm_path,) = _paths(sink.to(email)[-1], "confirm")
    response = client.post(confirm_path)
    assert response.status_code == 200
    return links.manage_url(Subscriber.objects.get(email=email).pk).removeprefix(links.absolute(""))


def _past_due(email: str = ADDRESS) -> None:
    """As if the last link mail left an hour ago: the anti-flood pause is over."""
    Subscriber.objects.filter(email=email).update(
        confirmation_sent_at=timezone.now() - dt.timedelta(hours=1)
    )


# The form


def test_the_form_takes_the_address_from_the_header_box(client: Client, smtp_sink: SmtpSink):
    page = client.get("/").content.decode()
    assert '<form action="/subscribe" method="get">' in page
    response = client.get("/subscribe", {"email": "someone@lab.org"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="someone@lab.org"' in page
    assert 'name="frequency" value="daily" checked' in page
    assert 'name="frequency" value="weekly"' in page
    assert 'name="include_trending" value="1" checked' in page
    assert '<textarea id="topics" name="topics"' in page
    assert "author:&quot;Yoshua Bengio&quot;" in page  # the syntax, by example
    assert 'name="csrfmiddlewaretoken"' in page
    assert smtp_sink.messages == []  # looking at the form sends nothing


def test_the_form_takes_a_signed_in_readers_address(client: Client, smtp_sink: SmtpSink):
    client.force_login(account("member@example.org"))
    page = client.get("/subscribe").content.decode()
    assert 'value="member@example.org"' in page


def test_subscribing_from_an_account_links_it(client: Client, smtp_sink: SmtpSink):
    user = account("member@example.org")
    client.force_login(user)
    assert _subscribe(client, "member@example.org").status_code == 200
    assert Subscriber.objects.get().user == user


# Double opt-in


def test_subscribing_sends_the_confirmation_and_nothing_else(client: Client, smtp_sink: SmtpSink):
    response = _subscribe(client, "Reader@Example.ORG", topics="graph neural networks\ncat:cs.LG")
    assert response.status_code == 200
    assert "Check your inbox" in _main(response)
    assert len(smtp_sink.messages) == 1
    (envelope,) = smtp_sink.envelopes
    assert envelope.rcpt_tos == [ADDRESS]
    message = smtp_sink.messages[0]
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Confirm your paperwire digest"
    assert len(_paths(message, "confirm")) == 1
    assert _paths(message, "manage") == []
    assert "graph neural networks" in _text(message)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "unconfirmed"
    assert not Subscriber.objects.mailable().exists()
    assert sorted(subscriber.topics.values_list("query", flat=True)) == [
        "cat:cs.LG",
        "graph neural networks",
    ]
    assert Delivery.objects.get().kind == "confirm"


def test_the_link_confirms_on_post_only(client: Client, smtp_sink: SmtpSink):
    _subscribe(client)
    (path,) = _paths(smtp_sink.messages[0], "confirm")
    for _ in range(2):  # a link scanner fetching the page, twice
        response = client.get(path)
        assert response.status_code == 200
        assert "Confirm" in _main(response)
    assert Subscriber.objects.get().status == "unconfirmed"
    response = client.post(path)
    assert response.status_code == 200
    assert "Subscription confirmed" in _main(response)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed"
    assert list(Subscriber.objects.mailable()) == [subscriber]
    # The page leads to the manage page, which works.
    manage = re.search(r'href="(/subscriptions/manage/[^"]+)"', _main(response))
    assert manage is not None
    assert ADDRESS in _main(client.get(manage.group(1)))
    assert len(smtp_sink.messages) == 1  # confirming sends nothing


def test_the_confirm_post_needs_a_csrf_token(smtp_sink: SmtpSink):
    browser = Client(enforce_csrf_checks=True)
    token = links.make_token(Subscriber.objects.create(email=ADDRESS).pk, "confirm")
    assert browser.post(f"/subscriptions/confirm/{token}").status_code == 403
    page = browser.get(f"/subscriptions/confirm/{token}").content.decode()
    response = browser.post(f"/subscriptions/confirm/{token}", {"csrfmiddlewaretoken": _csrf(page)})
    assert response.status_code == 200
    assert Subscriber.objects.get().status == "confirmed"


@pytest.mark.parametrize(("age_days", "works"), [(4, False), (2, True)])
def test_the_confirmation_link_expires(
    client: Client, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch, age_days: int, works: bool
):
    signed_at = int(time.time()) - age_days * 24 * 3600
    with monkeypatch.context() as patch:  # the mail's link is signed days ago
        patch.setattr(
            signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(signed_at)
        )
        _subscribe(client)
    (path,) = _paths(smtp_sink.messages[0], "confirm")
    if works:
        assert client.post(path).status_code == 200
        assert Subscriber.objects.get().status == "confirmed"
        return
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This link has expired; subscribe again to get a new one." in _main(response)
        assert 'href="/subscribe' in _main(response)
    assert Subscriber.objects.get().status == "unconfirmed"


def test_an_altered_link_is_refused(client: Client, smtp_sink: SmtpSink):
    _subscribe(client)
    other = Subscriber.objects.create(email="other@example.org")
    (path,) = _paths(smtp_sink.messages[0], "confirm")
    token = path.rsplit("/", 1)[1]
    subscriber_id, stamp, signature = token.split(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    altered = [
        f"{subscriber_id}:{stamp}:{flipped}",  # the signature
        f"{other.pk}:{stamp}:{signature}",  # somebody else's subscription
        f"{subscriber_id}:{stamp}",  # truncated
        links.make_token(int(subscriber_id), "manage"),  # a manage link as a confirmation
        links.make_token(int(subscriber_id), "unsubscribe"),
        "x" * 500,
    ]
    for bad in altered:
        for response in (
            client.get(f"/subscriptions/confirm/{bad}"),
            client.post(f"/subscriptions/confirm/{bad}"),
        ):
            assert response.status_code == 400, bad
            assert "This link is not valid." in _main(response)
    assert not Subscriber.objects.filter(confirmed_at__isnull=False).exists()
    for kind in ("manage", "unsubscribe"):
        bad = links.make_token(int(subscriber_id), "confirm")  # a confirmation elsewhere
        assert client.get(f"/subscriptions/{kind}/{bad}").status_code == 400
        assert client.post(f"/subscriptions/{kind}/{bad}").status_code == 400
    assert Subscriber.objects.get(pk=subscriber_id).unsubscribed_at is None


def test_a_link_to_a_deleted_subscription_is_refused(client: Client, smtp_sink: SmtpSink):
    subscriber = Subscriber.objects.create(email=ADDRESS, confirmed_at=timezone.now())
    paths = [
        links.confirm_url(subscriber.pk),
        links.manage_url(subscriber.pk),
        links.unsubscribe_url(subscriber.pk),
    ]
    subscriber.delete()
    for url in paths:
        path = urlsplit(url).path
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 400, path
            assert "This subscription no longer exists." in _main(response)


def test_subscribing_a_confirmed_address_again_mails_the_manage_link(
    client: Client, smtp_sink: SmtpSink
):
    first = _subscribe(client, topics="graph neural networks")
    _confirmed_path = _paths(smtp_sink.messages[0], "confirm")[0]
    client.post(_confirmed_path)
    _past_due()
    again = _subscribe(client, frequency="weekly", topics='cryptocurrency\nauthor:"Someone"')
    # The page says the same whoever the address belongs to.
    assert _main(again) == _main(first)
    assert len(smtp_sink.messages) == 2
    message = smtp_sink.messages[1]
    assert message["Subject"] == "Your paperwire digest"
    assert smtp_sink.envelopes[1].rcpt_tos == [ADDRESS]
    assert _paths(message, "confirm") == []
    (manage,) = _paths(message, "manage")
    subscriber = Subscriber.objects.get()
    assert subscriber.frequency == "daily"
    assert list(subscriber.topics.values_list("query", flat=True)) == ["graph neural networks"]
    assert "graph neural networks" in _main(client.get(manage))


def test_asking_again_at_once_sends_nothing_more_and_says_the_same(
    client: Client, smtp_sink: SmtpSink
):
    first = _subscribe(client)
    again = _subscribe(client)
    assert _main(first) == _main(again)
    assert len(smtp_sink.messages) == 1


def test_resubscribing_after_unsubscribing_needs_a_new_confirmation(
    client: Client, smtp_sink: SmtpSink
):
    _confirmed(client, smtp_sink)
    subscriber = Subscriber.objects.get()
    client.post(urlsplit(links.unsubscribe_url(subscriber.pk)).path)
    _past_due()
    _subscribe(client, topics="a stranger's topic")  # anyone may type the address
    assert not Subscriber.objects.mailable().exists()


# Managing


def test_the_manage_page_shows_the_subscription_and_its_feeds(client: Client, smtp_sink: SmtpSink):
    manage = _confirmed(
        client, smtp_sink, topics='"graph neural networks" cat:cs.LG\nauthor:"Ada B"'
    )
    response = client.get(manage)
    page = _main(response)
    assert response.status_code == 200
    assert ADDRESS in page
    assert "confirmed" in page
    assert "daily" in page
    assert "included" in page
    q = "q=%22graph+neural+networks%22+cat%3Acs.LG"
    assert f'href="/feeds/search.rss?{q}"' in page
    assert f'href="/feeds/search.atom?{q}"' in page
    assert 'href="/feeds/search.rss?q=author%3A%22Ada+B%22"' in page
    assert client.get(f"/feeds/search.rss?{q}").status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page
    assert re.search(r'action="/subscriptions/unsubscribe/[^"]+"', page)


def test_the_manage_page_edits_topics_frequency_and_trending(client: Client, smtp_sink: SmtpSink):
    manage = _confirmed(client, smtp_sink, topics="old topic\nkept topic")
    response = client.post(
        manage, {"frequency": "weekly", "topics": "kept topic\r\n\r\nnew topic\n  new topic  "}
    )
    assert response.status_code == 302
    assert response["Location"] == manage
    subscriber = Subscriber.objects.get()
    assert subscriber.frequency == "weekly"
    assert subscriber.include_trending is False  # the box was left unticked
    assert sorted(subscriber.topics.values_list("query", flat=True)) == ["kept topic", "new topic"]
    page = client.get(manage).content.decode()
    assert "Saved." in page
    assert "old topic" not in page
    assert 'name="frequency" value="weekly" checked' in page
    client.post(manage, {"frequency": "daily", "include_trending": "1", "topics": ""})
    subscriber.refresh_from_db()
    assert (subscriber.frequency, subscriber.include_trending) == ("daily", True)
    assert not subscriber.topics.exists()
    assert subscriber.status == "confirmed"
    assert len(smtp_sink.messages) == 1  # managing mails nothing


def test_the_manage_page_refuses_bad_input_and_keeps_the_subscription(
    client: Client, smtp_sink: SmtpSink
):
    manage = _confirmed(client, smtp_sink, topics="kept")
    response = client.post(manage, {"frequency": "hourly", "topics": "lost"})
    assert response.status_code == 400
    assert "frequency must be daily or weekly" in _main(response)
    too_many = "\n".join(f"topic {n}" for n in range(11))
    response = client.post(manage, {"frequency": "daily", "topics": too_many})
    assert response.status_code == 400
    assert "at most 10 topics" in _main(response)
    assert "topic 10" in _main(response)  # what was typed is still there to fix
    subscriber = Subscriber.objects.get()
    assert list(subscriber.topics.values_list("query", flat=True)) == ["kept"]


def test_the_manage_post_needs_a_csrf_token(smtp_sink: SmtpSink):
    browser = Client(enforce_csrf_checks=True)
    subscriber = Subscriber.objects.create(email=ADDRESS, confirmed_at=timezone.now())
    manage = urlsplit(links.manage_url(subscriber.pk)).path
    response = browser.post(manage, {"frequency": "weekly", "topics": "injected"})
    assert response.status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.frequency == "daily"
    assert not subscriber.topics.exists()
    token = _csrf(browser.get(manage).content.decode())
    data = {"frequency": "weekly", "topics": "wanted", "csrfmiddlewaretoken": token}
    assert browser.post(manage, data).status_code == 302
    assert Subscriber.objects.get().frequency == "weekly"


# Leaving


def test_one_click_unsubscribe_works_without_a_csrf_token(smtp_sink: SmtpSink):
    subscriber = Subscriber.objects.create(email=ADDRESS, confirmed_at=timezone.now())
    path = urlsplit(links.unsubscribe_url(subscriber.pk)).path
    mail_client = Client(enforce_csrf_checks=True)  # RFC 8058: a plain POST from the mail app
    for _ in range(2):  # the second time it is already done, and still 200
        response = mail_client.post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
        assert "You are unsubscribed" in _main(response)
        assert 'href="/subscribe?email=reader%40example.org"' in _main(response)
        subscriber.refresh_from_db()
        assert subscriber.status == "unsubscribed"
    assert not Subscriber.objects.mailable().exists()
    assert smtp_sink.messages == []


def test_the_unsubscribe_link_asks_before_it_acts(client: Client, smtp_sink: SmtpSink):
    subscriber = Subscriber.objects.create(email=ADDRESS, confirmed_at=timezone.now())
    path = urlsplit(links.unsubscribe_url(subscriber.pk)).path
    response = client.get(path)
    assert response.status_code == 200
    assert f'<form method="post" action="{path}">' in _main(response)
    assert Subscriber.objects.get().status == "confirmed"
    assert client.post(path).status_code == 200  # the button
    assert Subscriber.objects.get().status == "unsubscribed"
    assert "already unsubscribed" in _main(client.get(path))


def test_the_manage_pages_unsubscribe_button_works(client: Client, smtp_sink: SmtpSink):
    manage = _confirmed(client, smtp_sink)
    action = re.search(r'action="(/subscriptions/unsubscribe/[^"]+)"', _main(client.get(manage)))
    assert action is not None
    assert client.post(action.group(1)).status_code == 200
    assert Subscriber.objects.get().status == "unsubscribed"
    assert "unsubscribed" in _main(client.get(manage))


# Attacks


@pytest.mark.parametrize(
    "email",
    [
        "victim@example.org\r\nBcc: other@example.org",
        "victim@example.org\nBcc: other@example.org",
        "victim@example.org,other@example.org",
        "victim@example.org\rCc: other@example.org",
    ],
)
def test_an_address_cannot_inject_headers_or_recipients(
    client: Client, smtp_sink: SmtpSink, email: str
):
    response = _subscribe(client, email)
    assert response.status_code == 400
    assert "that is not an e-mail address" in _main(response)
    assert smtp_sink.envelopes == []
    assert not Subscriber.objects.exists()


def test_topics_cannot_inject_headers_or_recipients(client: Client, smtp_sink: SmtpSink):
    topics = (
        "ml\r\nBcc: other@example.org\r\nSubject: free money\r\n\r\nhello\u2028To: x@example.org"
    )
    response = _subscribe(client, "victim@example.org", topics=topics)
    assert response.status_code == 200
    assert smtp_sink.rcpt_tos == ["victim@example.org"]
    (message,) = smtp_sink.messages
    assert message.get_all("Bcc") is None
    assert message.get_all("Cc") is None
    assert message.get_all("To") == ["victim@example.org"]
    assert message.get_all("Subject") == ["Confirm your paperwire digest"]
    for line in _text(message).splitlines():  # each topic is a line of the body, indented
        assert not line.startswith(("Bcc:", "To:", "Subject:")), line
    stored = Subscriber.objects.get().topics.values_list("query", flat=True)
    assert all("\r" not in q and "\n" not in q and "\u2028" not in q for q in stored)


def test_topics_and_addresses_are_shown_escaped(client: Client, smtp_sink: SmtpSink):
    manage = _confirmed(client, smtp_sink, topics='<script>alert(1)</script>\n"><img src=x>')
    page = client.get(manage).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x>" not in page
    assert "&quot;&gt;&lt;img src=x&gt;" in page
    assert "<script>" not in page  # and no inline script at all (the CSP forbids it)
    response = _subscribe(client, "<script>alert(1)</script>")
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.content.decode()
    page = client.get("/subscribe", {"email": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)" not in page
    assert 'value="&quot;&gt;&lt;script&gt;' in page


def test_the_subscribe_post_needs_a_csrf_token(smtp_sink: SmtpSink):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/subscribe", {"email": ADDRESS, "frequency": "daily"}).status_code == 403
    assert smtp_sink.messages == []
    token = _csrf(browser.get("/subscribe").content.decode())
    data = {"email": ADDRESS, "frequency": "daily", "csrfmiddlewaretoken": token}
    assert browser.post("/subscribe", data).status_code == 200
    assert len(smtp_sink.messages) == 1


def test_subscribing_is_rate_limited(client: Client, smtp_sink: SmtpSink, settings: Settings):
    settings.RATE_LIMIT_SUBSCRIBE = "2/h"
    assert _subscribe(client, "a@example.org").status_code == 200
    assert _subscribe(client, "b@example.org").status_code == 200
    assert _subscribe(client, "c@example.org").status_code == 429
    assert smtp_sink.rcpt_tos == ["a@example.org", "b@example.org"]
    assert client.get("/subscribe").status_code == 200  # the form itself is not limited


def test_the_pages_are_never_cached_and_leak_no_token(client: Client, smtp_sink: SmtpSink):
    manage = _confirmed(client, smtp_sink)
    subscriber = Subscriber.objects.get()
    paths = [
        "/subscribe",
        urlsplit(links.confirm_url(subscriber.pk)).path,
        manage,
        urlsplit(links.unsubscribe_url(subscriber.pk)).path,
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path
        assert response["Referrer-Policy"] == "same-origin", path
        assert "script-src 'self'" in response["Content-Security-Policy"]
        page = response.content.decode()
        assert all('src="/static/' in tag for tag in page.split("<script")[1:]), path


# Mail that cannot be sent


@pytest.mark.parametrize("code", [451, 550])
def test_a_refused_confirmation_says_so_without_saying_more(
    client: Client, smtp_sink: SmtpSink, code: int
):
    smtp_sink.fail(ADDRESS, code=code, message="not now" if code < 500 else "no such user")
    response = _subscribe(client)
    assert response.status_code == 400
    assert "the confirmation mail could not be sent; try again later" in _main(response)
    assert f'value="{ADDRESS}"' in _main(response)  # the form again, filled in
    assert smtp_sink.envelopes == []
    assert smtp_sink.refused == [(ADDRESS, code)]
    delivery = Delivery.objects.get()
    assert delivery.outcome == Delivery.Outcome.TEMPORARY
    assert str(code) in delivery.detail
