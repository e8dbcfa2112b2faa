"""Notification mail: one message per reader for what is new, sent by the digests' sender,
exactly once (two senders at once, a sender killed after its commit point), with one-click
List-Unsubscribe, and no header or markup from a title, a name or a comment getting through."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.catalogue.models import Paper
from paperwire.digests.models import Delivery, Notice
from paperwire.digests.notices import GAP, NoticeSender, compose_pending
from paperwire.digests.send import SendSummary
from paperwire.discussion import hide
from paperwire.inbox import Notification, notify, preferences, set_preference
from paperwire.library import save
from tests.conftest import Cli
from tests.digests.conftest import SmtpSink
from tests.factories import account, comment, notification, paper


def send() -> SendSummary:
    return NoticeSender(rate=0, retry_base=0.01).send_pending()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def p1() -> Paper:
    return paper("2503.00001", "Attention again")


@pytest.mark.django_db
def test_a_busy_thread_is_one_mail_not_one_per_comment(smtp_sink: SmtpSink, alice, bob, p1):
    for n in range(5):
        notification(alice, comment(p1, bob, f"point {n}"), mail=True)
    assert compose_pending().notices == 1
    summary = send()
    assert summary.sent == 1
    [message] = smtp_sink.to("alice@example.org")
    assert message["Subject"] == "paperwire: 5 new comments on “Attention again”"
    body = text_of(message)
    assert all(f"point {n}" in body for n in range(5))
    assert body.index("point 4") < body.index("point 0")  # newest first
    assert message["Message-ID"].startswith("<notice-")
    assert Notice.objects.get().status == "sent"
    assert Delivery.objects.get().kind == "notice"
    # nothing left: a second run sends nothing
    assert compose_pending().notices == 0
    assert send().sent == 0
    assert len(smtp_sink.messages) == 1


@pytest.mark.django_db
def test_a_single_reply_says_who_replied(smtp_sink: SmtpSink, alice, bob, p1):
    mine = comment(p1, alice, "My question")
    notification(alice, comment(p1, bob, "An answer", parent=mine), "reply", mail=True)
    compose_pending()
    send()
    [message] = smtp_sink.messages
    assert message["Subject"] == "paperwire: bob replied to your comment on “Attention again”"
    assert "A reply to your comment" in text_of(message)


@pytest.mark.django_db
def test_the_mail_carries_one_click_list_unsubscribe_that_turns_it_off(
    smtp_sink: SmtpSink, alice, bob, p1
):
    notification(alice, comment(p1, bob), mail=True)
    compose_pending()
    send()
    [message] = smtp_sink.messages
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", str(message["List-Unsubscribe"]))
    assert url is not None
    assert url.group(1) in text_of(message)
    # the mail client's one-click POST (RFC 8058): no session, no CSRF token
    answer = Client(enforce_csrf_checks=True).post(
        urlsplit(url.group(1)).path, {"List-Unsubscribe": "One-Click"}
    )
    assert answer.status_code == 200
    assert all(not kind["mail"] for kind in preferences(alice).values())
    # the next comment is in the inbox, and mailed no more
    save(alice, p1)
    later = comment(p1, bob, "later")
    notify(later)
    assert Notification.objects.get(comment=later).in_inbox
    assert compose_pending().notices == 0


@pytest.mark.django_db
def test_hostile_titles_names_and_comments_add_no_header_and_no_markup(
    smtp_sink: SmtpSink, alice, p1
):
    smtp_sink.pipelining = True
    p1.title = "Tricky\r\nBcc: victim@example.org\r\nX-Injected: title"
    p1.save()
    eve = account("eve@example.org", username="Eve\r\nX-Injected: name <b>")
    body = (
        '<script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3)) '
        "&lt;script&gt;evil&lt;/script&gt; Subject: spoof\r\nBcc: victim@example.org"
    )
    mine = comment(p1, alice, "question")
    notification(alice, comment(p1, eve, body, parent=mine), "reply", mail=True)
    compose_pending()
    assert send().sent == 1
    [envelope] = smtp_sink.envelopes
    assert envelope.rcpt_tos == ["alice@example.org"]  # no Bcc reached the envelope
    message = envelope.message
    assert message["Bcc"] is None
    assert message["X-Injected"] is None
    assert len(message.get_all("Subject") or []) == 1
    subject = str(message["Subject"])
    assert "\n" not in subject
    assert "\r" not in subject
    assert subject.startswith("paperwire: Eve X-Injected: name <b> replied")
    head = envelope.data.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"(?m)^(Bcc|X-Injected):", head)
    html = html_of(message)
    for raw in ("<script", "<img", "<b>", 'href="javascript:'):
        assert raw not in html, raw
    assert not re.search(r"<[^>]*\bon\w+=", html)  # no event handler inside any tag
    # what was written is shown as text, escaped
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert "&lt;script&gt;evil" in html


@pytest.mark.django_db
def test_a_reader_mailed_recently_waits_and_gets_one_mail_after_the_gap(
    smtp_sink: SmtpSink, alice, bob, p1
):
    notification(alice, comment(p1, bob, "first"), mail=True)
    compose_pending()
    send()
    notification(alice, comment(p1, bob, "second"), mail=True)
    notification(alice, comment(p1, bob, "third"), mail=True)
    waited = compose_pending()
    assert (waited.notices, waited.waiting) == (0, 1)
    later = compose_pending(now=timezone.now() + GAP + dt.timedelta(seconds=1))
    assert (later.notices, later.notifications) == (1, 2)
    send()
    assert len(smtp_sink.to("alice@example.org")) == 2


@pytest.mark.django_db
def test_a_comment_hidden_before_the_mail_is_not_mailed(smtp_sink: SmtpSink, alice, bob, p1):
    spam = comment(p1, bob, "spam")
    notification(alice, spam, mail=True)
    hide([spam.pk])
    result = compose_pending()
    assert (result.notices, result.dropped) == (0, 1)
    assert send().sent == 0
    assert smtp_sink.messages == []


@pytest.mark.django_db
def test_mail_turned_off_after_composing_is_not_sent(smtp_sink: SmtpSink, alice, bob, p1):
    notification(alice, comment(p1, bob), mail=True)
    compose_pending()
    for kind in ("reply", "authored", "saved"):
        set_preference(alice, kind, inbox=True, mail=False)
    assert send().sent == 0
    assert Notice.objects.get().status == "failed"
    assert smtp_sink.messages == []


@pytest.mark.django_db
def test_an_address_refused_for_good_turns_notification_mail_off(
    smtp_sink: SmtpSink, alice, bob, p1
):
    smtp_sink.fail("alice@example.org", code=550, message="no such user")
    notification(alice, comment(p1, bob), mail=True)
    compose_pending()
    summary = send()
    assert summary.permanent == 1
    assert Notice.objects.get().status == "failed"
    assert Delivery.objects.get().outcome == "permanent"
    assert all(not kind["mail"] for kind in preferences(alice).values())


@pytest.mark.django_db
def test_a_notice_left_sending_by_a_dead_run_counts_as_sent_and_is_never_resent(
    smtp_sink: SmtpSink, alice, bob, p1
):
    from tests.digests.test_claims import HOST, dead_pid

    notification(alice, comment(p1, bob), mail=True)
    compose_pending()
    Notice.objects.update(
        status="sending", claimed_by=f"{HOST} {dead_pid()} abcd1234 run1", claimed_at=timezone.now()
    )
    summary = send()
    assert (summary.sent, summary.uncertain) == (0, 1)
    assert Notice.objects.get().status == "sent"
    assert Delivery.objects.get().outcome == "uncertain"
    assert smtp_sink.messages == []


# --- real processes ------------------------------------------------------------------------------

SEED = """
import os, django
django.setup()
from paperwire.db import ensure_schema
ensure_schema()
from django.contrib.auth.models import User
from paperwire.inbox import Notification
from tests.factories import account, comment, paper
p = paper("2503.00001", "Busy thread")
writer = account("writer@example.org")
said = comment(p, writer, "hello")
readers = User.objects.bulk_create(
    [User(username=f"reader{n:03d}@example.org", email=f"reader{n:03d}@example.org")
     for n in range(int(os.environ["READERS"]))]
)
Notification.objects.bulk_create(
    [Notification(recipient=r, kind="saved", comment=said, paper=p, mail_pending=True)
     for r in readers]
)
"""

SUMMARY = re.compile(
    r"sent (\d+) · temporary failures (\d+) · refused (\d+) · uncertain (\d+) · "
    r"left for later (\d+)"
)


def seed(cli: Cli, readers: int) -> None:
    import subprocess

    env = {**cli.env, "DJANGO_SETTINGS_MODULE": "paperwire.settings", "READERS": str(readers)}
    done = subprocess.run(
        [sys.executable, "-c", SEED], env=env, capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_two_senders_at_once_mail_every_reader_once(cli: Cli, smtp_sink: SmtpSink):
    seed(cli, 200)
    cli.env["PAPERWIRE_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_sink.port}"
    cli.env["PAPERWIRE_MAIL_RATE"] = "0"
    # No message is answered before both senders have connected: they overlap for certain.
    smtp_sink.hold_until_sessions = 2
    senders = [cli.popen("notices", "send"), cli.popen("notices", "send")]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], outputs
    counts = []
    for stdout, _ in outputs:
        found = SUMMARY.search(stdout)
        assert found, stdout
        counts.append(tuple(int(n) for n in found.groups()))
    assert sum(sent for sent, *_ in counts) == 200, counts
    assert [c[1:] for c in counts] == [(0, 0, 0, 0)] * 2, counts
    received = sorted(r for e in smtp_sink.envelopes for r in e.rcpt_tos)
    assert received == [f"reader{n:03d}@example.org" for n in range(200)]  # each once
    again = cli("notices", "send")
    assert "sent 0 · temporary failures 0 · refused 0 · uncertain 0" in again.stdout
    assert "notices sent: 200" in cli("notices", "status").stdout


def test_a_sender_killed_after_its_commit_point_is_never_repeated(cli: Cli, smtp_sink: SmtpSink):
    seed(cli, 1)
    cli.env["PAPERWIRE_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_sink.port}"
    cli.env["PAPERWIRE_MAIL_RATE"] = "0"
    # The server holds its answer to the message's last byte: the sender waits there, past
    # its commit point, when it is killed.
    smtp_sink.hold_until_sessions = 99
    sender = cli.popen("notices", "send")
    deadline = time.monotonic() + 60
    while "notices sending: 1" not in cli("notices", "status").stdout:
        assert time.monotonic() < deadline, "the sender never reached its commit point"
        assert sender.poll() is None, sender.communicate()
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait()
    smtp_sink.hold_until_sessions = 0  # the server takes the message it had in full
    again = cli("notices", "send")
    assert again.returncode == 0, again.stderr
    found = SUMMARY.search(again.stdout)
    assert found, again.stdout
    assert found.groups()[:4] == ("0", "0", "0", "1")  # counted as sent (uncertain), not resent
    assert "notices sent: 1" in cli("notices", "status").stdout
    # The rerun never even connected: the message is not offered a second time. (Whether the
    # server kept the first depends on the server; it had every byte.)
    assert smtp_sink.sessions == 1
    assert len(smtp_sink.envelopes) <= 1
