"""A mail server that cannot be used at all (not one recipient refused) stops the run at once,
with one line naming the setting to check, and changes no digest."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from allauth.account.models import EmailAddress  # type: ignore[import-untyped]
from django.contrib.auth import get_user_model
from django.test import Client
from pytest_django.fixtures import Settings

from paperwire.catalogue.periods import containing
from paperwire.digests.compose import compose_period
from paperwire.digests.models import Delivery, Digest, Subscriber
from paperwire.digests.send import Sender, SendingStopped
from paperwire.mailconfig import parse_mail_url
from tests.conftest import Cli
from tests.digests.conftest import SmtpSink
from tests.factories import DAY, paper, real_day_with_subscribers, subscriber

DAILY = containing("daily", DAY)
PEOPLE = ["ada@example.org", "bob@example.org", "cy@example.org"]


def only(user: str, password: str) -> Callable[..., AuthResult]:
    """An aiosmtpd authenticator that knows one user."""

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself

    return authenticate


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe is: nobody listens


def unusable(case: str, smtp_server: Callable[..., SmtpSink], settings: Settings) -> SmtpSink:
    """A server that cannot be used, and the setting that makes it so."""
    if case == "login refused":
        sink = smtp_server(authenticator=only("paperwire", "right"), auth_require_tls=False,
                           auth_required=True)  # fmt: skip
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "paperwire", "wrong"
        return sink
    sink = smtp_server()
    if case == "no STARTTLS":
        settings.EMAIL_USE_TLS = True  # smtp+tls:// against a relay without TLS
    elif case == "no TLS":
        settings.EMAIL_USE_SSL = True  # smtps:// against a plain port
    elif case == "connection refused":
        settings.EMAIL_PORT = closed_port()
    elif case.startswith("sender refused"):
        sink.refuse_sender = "553 5.7.1 not allowed to send from here"
        sink.pipelining = case.endswith("pipelining")
    return sink


CASES = {
    "no STARTTLS": "the mail server 127.0.0.1:{port} does not offer STARTTLS, which smtp+tls:// "
    "asks for (smtp:// is plain SMTP, for a local relay); check PAPERWIRE_SMTP_URL",
    "no TLS": "the TLS handshake with the mail server 127.0.0.1:{port} failed (",
    "connection refused": "cannot connect to the mail server 127.0.0.1:{port}: connection "
    "refused; check PAPERWIRE_SMTP_URL",
    "login refused": "the mail server 127.0.0.1:{port} refused the user name and password: "
    "535 5.7.8 Authentication credentials invalid; check PAPERWIRE_SMTP_URL",
    "sender refused": "the mail server 127.0.0.1:{port} refused the sender paperwire@localhost: "
    "553 5.7.1 not allowed to send from here; check PAPERWIRE_MAIL_FROM",
    "sender refused, pipelining": "the mail server 127.0.0.1:{port} refused the sender "
    "paperwire@localhost: 553 5.7.1 not allowed to send from here; check PAPERWIRE_MAIL_FROM",
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server
def test_an_unusable_server_stops_the_run_at_once_and_changes_nothing(
    case: str, smtp_server: Callable[..., SmtpSink], settings: Settings
):
    paper("2503.00001", "Popular", upvotes=3)
    for person in PEOPLE:
        subscriber(person)
    compose_period(DAILY)
    sink = unusable(case, smtp_server, settings)
    with pytest.raises(SendingStopped) as stopped:
        Sender(rate=0, retry_base=0.01).send_period(DAILY)
    line = str(stopped.value)
    assert line.startswith(CASES[case].format(port=settings.EMAIL_PORT)), line
    assert "\n" not in line
    if case == "no TLS":
        assert "smtps:// and smtp+ssl:// speak TLS from the first byte" in line
        assert line.endswith("; check PAPERWIRE_SMTP_URL")
    # nothing changed: every digest pending, no attempt spent, nobody marked, nothing logged
    states = Digest.objects.values_list("status", "attempts", "next_attempt_at", "claimed_by")
    assert list(states) == [("pending", 0, None, "")] * 3
    assert not Subscriber.objects.filter(bounced_at__isnull=False).exists()
    assert not Delivery.objects.exists()
    assert stopped.value.summary.sent == 0
    assert sink.messages == []
    assert sink.sessions <= 1  # no retry: one connection, or none
    # Mended, the next run sends each digest once.
    smtp_server()
    assert Sender(rate=0).send_period(DAILY).sent == 3


def test_digest_send_names_the_setting_in_one_line_then_smtp_means_plain(
    cli: Cli, smtp_sink: SmtpSink, tmp_path: Path
):
    people = [f"reader{n}@example.org" for n in range(5)]
    day = real_day_with_subscribers(
        cli, tmp_path, "".join(f"{p},daily,cat:cs.CV\n" for p in people)
    )
    send = ("digest", "send", "--period", "daily", "--date", day, "--no-progress")
    # The case: a local relay without TLS, configured as if STARTTLS were there.
    cli.env["PAPERWIRE_SMTP_URL"] = f"smtp+tls://127.0.0.1:{smtp_sink.port}"
    failed = cli(*send)
    assert failed.returncode == 1
    assert failed.stderr.strip() == (
        f"CommandError: the mail server 127.0.0.1:{smtp_sink.port} does not offer STARTTLS, "
        "which smtp+tls:// asks for (smtp:// is plain SMTP, for a local relay); "
        "check PAPERWIRE_SMTP_URL"
    )
    assert "composed 5" in failed.stdout
    assert "sent 0" not in failed.stdout  # nothing was sent: no summary of sending
    assert smtp_sink.sessions == 1  # one try, no retries
    # smtp:// is plain SMTP, as django-environ reads it: all five go, none was deferred.
    cli.env["PAPERWIRE_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_sink.port}"
    sent = cli(*send)
    assert sent.returncode == 0, sent.stderr
    assert "sent 5 · temporary failures 0 · refused 0 · uncertain 0 · left for later 0" in (
        sent.stdout
    )
    assert sorted(smtp_sink.rcpt_tos) == people


@pytest.fixture
def signin(settings: Settings) -> Client:
    # The adapter comes from settings.py as deployed (ACCOUNT_ADAPTER), not from this test.
    assert settings.ACCOUNT_ADAPTER == "paperwire.web.accounts.AccountAdapter"
    return Client()


@pytest.mark.django_db
@pytest.mark.parametrize("known", [True, False], ids=["account", "new address"])
def test_sign_in_mail_to_an_unreachable_server_is_a_clear_page_and_one_log_line(
    signin: Client, settings: Settings, caplog: pytest.LogCaptureFixture, known: bool
):
    if known:
        get_user_model().objects.create_user("ada", "ada@example.org")
        EmailAddress.objects.create(user=get_user_model().objects.get(), email="ada@example.org",
                                    verified=True, primary=True)  # fmt: skip
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    with caplog.at_level(logging.ERROR):
        response = signin.post("/accounts/login/code/", {"email": "ada@example.org"})
    assert response.status_code == 503
    assert "our mail server is not answering" in response.content.decode()
    (record,) = [r for r in caplog.records if r.name == "paperwire.web.accounts"]
    assert record.getMessage() == (
        f"sign-in mail not sent: cannot connect to the mail server 127.0.0.1:"
        f"{settings.EMAIL_PORT}: connection refused; check PAPERWIRE_SMTP_URL"
    )


@pytest.mark.django_db
def test_sign_in_mail_reaches_a_working_server(signin: Client, smtp_sink: SmtpSink):
    response = signin.post("/accounts/login/code/", {"email": "ada@example.org"})
    assert response.status_code == 302
    (message,) = smtp_sink.to("ada@example.org")
    assert message["Subject"]


class RefusesTheKey(BaseHTTPRequestHandler):
    """Postmark's API as it answers a wrong server token."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"ErrorCode": 10, "Message": "Request does not contain a valid Server token."}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["key refused", "unreachable"])
def test_a_provider_api_that_refuses_the_key_or_cannot_be_reached_stops_the_run(
    settings: Settings, case: str
):
    paper("2503.00001", "Popular", upvotes=3)
    for person in PEOPLE:
        subscriber(person)
    compose_period(DAILY)
    api = ThreadingHTTPServer(("127.0.0.1", 0), RefusesTheKey)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    port = api.server_address[1] if case == "key refused" else closed_port()
    mail = parse_mail_url(f"anymail+postmark://wrong-token@?api_url=http://127.0.0.1:{port}/")
    settings.EMAIL_BACKEND, settings.ANYMAIL = mail.backend, mail.anymail
    try:
        with pytest.raises(SendingStopped) as stopped:
            Sender(rate=0, retry_base=0.01).send_period(DAILY)
    finally:
        api.shutdown()
        api.server_close()
    line = str(stopped.value)
    expected = (
        "the mail provider postmark refused the key: "
        if case == "key refused"
        else (f"the mail provider postmark: Error posting to http://127.0.0.1:{port}/email")
    )
    assert line.startswith(expected), line
    assert line.endswith("; check PAPERWIRE_SMTP_URL")
    # before, a refused key (401) counted as every recipient's permanent refusal: all bounced
    assert not Subscriber.objects.filter(bounced_at__isnull=False).exists()
    assert set(Digest.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert not Delivery.objects.exists()


class GoesAwayAfter:
    """An SMTP server that takes ``n`` messages, then answers 421 and shuts down for good."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.ended: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            reader = connection.makefile("rb")
            connection.sendall(b"220 ready\r\n")
            recipient = ""
            while line := reader.readline():
                verb = line[:4].upper()
                if verb == b"MAIL" and len(self.ended) == self.n:
                    connection.sendall(b"421 shutting down\r\n")
                    self.listener.close()  # from now on: connection refused
                    return
                if verb == b"RCPT":
                    recipient = line.decode().split("<", 1)[1].split(">", 1)[0]
                if verb == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    while reader.readline() != b".\r\n":
                        pass
                    self.ended.append(recipient)
                    connection.sendall(b"250 queued\r\n")
                else:
                    connection.sendall(b"250 ok\r\n")


@pytest.mark.django_db
def test_a_server_gone_mid_run_stops_it_with_what_was_sent_recorded_and_the_rest_pending(
    settings: Settings,
):
    paper("2503.00001", "Popular", upvotes=3)
    people = [f"reader{n}@example.org" for n in range(5)]
    for person in people:
        subscriber(person)
    compose_period(DAILY)
    server = GoesAwayAfter(2)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = "", False, False
    with pytest.raises(SendingStopped) as stopped:
        Sender(rate=0, retry_base=0.01).send_period(DAILY)
    assert str(stopped.value) == (
        f"cannot connect to the mail server 127.0.0.1:{server.port}: connection refused; "
        "check PAPERWIRE_SMTP_URL"
    )
    done = stopped.value.summary
    assert (done.sent, done.temporary, done.uncertain, done.deferred) == (2, 1, 0, 0)
    assert server.ended == people[:2]
    states = dict(Digest.objects.values_list("subscriber__email", "status"))
    assert states == {p: "sent" if p in people[:2] else "pending" for p in people}
    # the third met the 421 (logged, as any temporary failure), then the run stopped: not
    # deferred, no attempt counted, so the next run sends it with the others
    third = Digest.objects.get(subscriber__email=people[2])
    assert (third.attempts, third.next_attempt_at, third.claimed_by) == (0, None, "")
