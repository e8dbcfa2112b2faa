"""Sending against a real SMTP server: content, headers, retries, refusals, exactly once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.catalogue.periods import containing
from paperwire.digests.compose import compose_period
from paperwire.digests.models import Delivery, Digest, Received, Subscriber, Topic
from paperwire.digests.send import Pacer, Sender
from tests.conftest import Cli, shared
from tests.digests.conftest import SmtpSink
from tests.factories import DAY, paper, subscriber

pytestmark = pytest.mark.django_db
DAILY = containing("daily", DAY)


def send(**kwargs: object):
    compose_period(DAILY)
    return Sender(rate=0, retry_base=0.01, **kwargs).send_period(DAILY)  # type: ignore[arg-type]


@pytest.fixture(params=["plain", "pipelining"])
def sink(smtp_sink: SmtpSink, request: pytest.FixtureRequest) -> SmtpSink:
    """The SMTP server, once without PIPELINING and once offering it (the sender then sends
    MAIL, RCPT and DATA in one write): each behaviour must hold both ways."""
    smtp_sink.pipelining = request.param == "pipelining"
    return smtp_sink


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_a_digest_has_everything_a_reader_needs(sink: SmtpSink):
    paper(
        "2503.00001", r"Bounds on $\alpha^2$-divergences", upvotes=12,
        authors=["Émile Borel", "Kurt Gödel"],
        abstract="We prove tight bounds on divergences between two distributions. Then we test.",
        links=[{"kind": "github", "url": "https://github.com/example/bounds"}],
    )  # fmt: skip
    subscriber("reader@example.org", "divergences")
    assert send().sent == 1
    log = Delivery.objects.get(email="reader@example.org")
    assert (log.outcome, log.code, log.digest_id) == ("sent", 250, Digest.objects.get().pk)
    assert log.at is not None
    assert Received.objects.filter(subscriber__email="reader@example.org").count() == 1
    (message,) = sink.to("reader@example.org")
    text, html = bodies(message)
    for body in (text, html):
        assert "Bounds on α²-divergences" in body
        assert "$" not in body.split("Unsubscribe")[0]
        assert "Émile Borel, Kurt Gödel" in body
        assert "We prove tight bounds on divergences between two distributions." in body
        assert "Then we test" not in body
        assert "/papers/2503.00001" in body
        assert "topic: divergences; trending" in body
        assert "/subscriptions/unsubscribe/" in body
        assert "/subscriptions/manage/" in body
    assert "https://github.com/example/bounds" in html
    assert 'style="' in html  # inline CSS: mail clients drop style sheets
    assert message["Subject"] == "paperwire daily digest, Wednesday, 12 March 2025: 1 paper"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        message["List-Unsubscribe"]
        .strip()
        .startswith("<http://127.0.0.1:8000/subscriptions/unsubscribe/")
    )


def test_one_click_unsubscribe_from_the_header_works(smtp_sink: SmtpSink):
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("leaver@example.org")
    send()
    (message,) = smtp_sink.messages
    url = message["List-Unsubscribe"].strip().strip("<>").removeprefix("http://127.0.0.1:8000")
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(url, "List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    assert Subscriber.objects.get(email="leaver@example.org").unsubscribed_at is not None


def test_paper_text_cannot_inject_headers_or_markup(sink: SmtpSink):
    paper("2503.00001", "Evil\r\nBcc: thief@example.org", upvotes=3,
          abstract="<script>alert(1)</script>")  # fmt: skip
    person = subscriber("victim@example.org")
    Topic.objects.create(
        subscriber=person, query="x\r\nBcc: thief@example.org"
    )  # bypasses cleaning
    send()
    assert sink.rcpt_tos == ["victim@example.org"]
    (message,) = sink.messages
    assert message["Bcc"] is None
    _, html = bodies(message)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_an_address_with_a_line_break_cannot_inject_smtp_commands(sink: SmtpSink):
    # Addresses are validated when stored; this one is written around the validation.
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("evil@example.org>\r\nRCPT TO:<thief@example.org")
    subscriber("fine@example.org")
    summary = send()
    assert (summary.sent, summary.permanent) == (1, 1)
    assert sink.rcpt_tos == ["fine@example.org"]


def test_a_temporary_failure_is_retried_later_then_sent_once(sink: SmtpSink):
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("busy@example.org")
    sink.fail("busy@example.org", code=451, message="try again later")
    first = send()
    assert (first.sent, first.deferred) == (0, 1)
    digest = Digest.objects.get()
    assert (digest.status, digest.attempts) == ("pending", 1)
    assert digest.next_attempt_at is not None
    assert digest.next_attempt_at > timezone.now()
    assert Delivery.objects.filter(outcome="temporary").count() == 4  # the run's quick retries
    sink.heal("busy@example.org")
    assert Sender(rate=0).send_period(DAILY).sent == 0  # not due yet
    Digest.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert Sender(rate=0).send_period(DAILY).sent == 1
    assert len(sink.to("busy@example.org")) == 1


@pytest.mark.parametrize("at", ["rcpt", "data"])
def test_a_permanent_failure_marks_the_address_and_stops_mail(sink: SmtpSink, at: str):
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("gone@example.org")
    subscriber("here@example.org")
    sink.fail("gone@example.org", code=550, message="no such user", at=at)  # type: ignore[arg-type]
    summary = send()
    assert (summary.sent, summary.permanent) == (1, 1)
    gone = Subscriber.objects.get(email="gone@example.org")
    assert gone.bounced_at is not None
    assert "550 no such user" in gone.bounce_reason
    assert Digest.objects.get(subscriber=gone).status == "failed"
    log = Delivery.objects.get(email="gone@example.org")
    assert (log.outcome, log.code) == ("permanent", 550)
    paper("2503.00002", "Tomorrow", day=DAY + dt.timedelta(days=1), upvotes=3)
    compose_period(containing("daily", DAY + dt.timedelta(days=1)))
    assert not Digest.objects.filter(subscriber=gone, period_start=DAY + dt.timedelta(days=1))


def test_a_digest_left_sending_by_a_dead_sender_is_not_sent_again(smtp_sink: SmtpSink):
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("a@example.org")
    compose_period(DAILY)
    Digest.objects.update(status="sending")
    summary = Sender(rate=0).send_period(DAILY)
    assert (summary.sent, summary.uncertain) == (0, 1)
    assert smtp_sink.messages == []
    assert Digest.objects.get().status == "sent"
    assert Received.objects.count() == 1
    assert Delivery.objects.get().outcome == "uncertain"


class SilentAfterFirstMessage:
    """An SMTP server that takes the first message's last byte and then drops the connection
    without answering (a crash or a network cut at the worst moment); later connections are
    served normally. Records every recipient whose message ended."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.ended: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                with connection:
                    self._session(connection)

    def _session(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        connection.sendall(b"220 ready\r\n")
        recipient = ""
        while line := reader.readline():
            verb = line[:4].upper()
            if verb == b"RCPT":
                recipient = line.decode().split("<", 1)[1].split(">", 1)[0]
            if verb == b"DATA":
                connection.sendall(b"354 go ahead\r\n")
                while reader.readline() != b".\r\n":
                    pass
                self.ended.append(recipient)
                if len(self.ended) == 1:
                    return  # took it, never answered
                connection.sendall(b"250 queued\r\n")
            elif verb == b"QUIT":
                connection.sendall(b"221 bye\r\n")
                return
            else:
                connection.sendall(b"250 ok\r\n")


def test_a_connection_lost_after_the_last_byte_counts_as_sent_never_twice(settings):
    server = SilentAfterFirstMessage()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = "", False, False
    paper("2503.00001", "Popular", upvotes=3)
    subscriber("first@example.org")
    subscriber("second@example.org")
    summary = send()
    server.listener.close()
    assert (summary.sent, summary.uncertain, summary.temporary) == (1, 1, 0)
    assert sorted(server.ended) == ["first@example.org", "second@example.org"]  # once each
    assert set(Digest.objects.values_list("status", flat=True)) == {"sent"}
    assert Delivery.objects.get(email="first@example.org").outcome == "uncertain"
    assert Delivery.objects.get(email="second@example.org").outcome == "sent"


def test_the_pacer_keeps_the_rate():
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(5.0, sleep=sleep, clock=lambda: now[0])
    for _ in range(10):
        pacer.wait()
        now[0] += 0.01  # the send itself
    assert now[0] == pytest.approx(1.81)  # nine intervals of 0.2 s, plus the last send


def test_kill_9_mid_run_then_resume_sends_each_digest_exactly_once(
    cli: Cli, smtp_sink: SmtpSink, tmp_path: Path
):
    day = "2026-08-21"
    daily = tmp_path / "daily"
    daily.mkdir()
    (daily / f"{day}.json.gz").write_bytes(
        shared(f"hf-daily-papers/daily/{day}.json.gz").read_bytes()
    )
    assert cli("import", "hf-daily", str(daily), "--no-progress").returncode == 0
    people = [f"reader{n:03d}@example.org" for n in range(120)]
    csv = tmp_path / "subscribers.csv"
    csv.write_text(
        "email,frequency,topics\n" + "".join(f"{p},daily,agents;cat:cs.CV\n" for p in people)
    )
    assert cli("subscribers", "import", str(csv)).returncode == 0
    cli.env["PAPERWIRE_SMTP_URL"] = f"smtp+plain://127.0.0.1:{smtp_sink.port}"
    cli.env["PAPERWIRE_MAIL_RATE"] = "60"  # two seconds of sending: time to kill it mid-way
    sender = cli.popen("digest", "send", "--period", "daily", "--date", day, "--no-progress")
    deadline = time.monotonic() + 60
    while len(smtp_sink.messages) < 40:
        assert sender.poll() is None, sender.communicate()
        assert time.monotonic() < deadline, "the sender did not get going"
        time.sleep(0.005)
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait()
    assert 40 <= len(smtp_sink.messages) < len(people)
    resumed = cli("digest", "send", "--period", "daily", "--date", day, "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming: an earlier run sent" in resumed.stdout
    received = sorted(r for e in smtp_sink.envelopes for r in e.rcpt_tos)
    assert received == sorted(people)  # every digest once: none lost, none twice
    again = cli("digest", "send", "--period", "daily", "--date", day, "--no-progress")
    assert "sent 0" in again.stdout
    assert len(smtp_sink.messages) == len(people)
