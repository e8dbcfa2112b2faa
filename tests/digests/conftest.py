"""A real SMTP server for the digest tests: aiosmtpd on 127.0.0.1, Django pointed at it.

``smtp_sink`` collects every message it accepts (``.messages``, parsed) with its envelope
(``.envelopes``: MAIL FROM, the accepted RCPT TOs, the raw bytes), remembers the recipients
it refused (``.refused``), and answers with a chosen SMTP code for chosen recipients::

    smtp_sink.fail("gone@example.org", code=550, message="no such user")       # at RCPT TO
    smtp_sink.fail("busy@example.org", code=451, message="try later")          # temporary
    smtp_sink.fail("late@example.org", code=554, message="rejected", at="data")  # after DATA
    smtp_sink.heal("busy@example.org")                                          # accept again
    smtp_sink.refuse_sender = "553 sender not allowed"                          # at MAIL FROM
    smtp_sink.sessions                                  # connections so far (EHLOs seen)

``smtp_server(**options)`` starts another one with aiosmtpd's SMTP options (such as
``authenticator=`` for a server that requires a login) and points Django at it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from pytest_django.fixtures import Settings


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message: EmailMessage


@dataclass(frozen=True)
class Failure:
    code: int
    message: str
    at: Literal["rcpt", "data"]

    @property
    def reply(self) -> str:
        return f"{self.code} {self.message}"


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    envelopes: list[Envelope] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (address, code) per refusal
    failures: dict[str, Failure] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    pipelining: bool = False  # offer PIPELINING (RFC 2920) in EHLO, as Postfix and Exim do
    refuse_sender: str = ""  # an answer such as "553 not allowed" to every MAIL FROM
    # Answer no message until this many connections have been made: holds the first senders
    # until the others have started, so they run at the same time (no timing in the test).
    hold_until_sessions: int = 0
    sessions: int = 0

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [envelope.message for envelope in self.envelopes]

    @property
    def rcpt_tos(self) -> list[str]:
        """Every accepted recipient of every accepted message, in order."""
        with self.lock:
            return [rcpt for envelope in self.envelopes for rcpt in envelope.rcpt_tos]

    def fail(
        self,
        address: str,
        *,
        code: int = 550,
        message: str = "no such user",
        at: Literal["rcpt", "data"] = "rcpt",
    ) -> None:
        """Answer ``code message`` for this recipient: at RCPT TO, or at the end of DATA."""
        with self.lock:
            self.failures[address.lower()] = Failure(code, message, at)

    def heal(self, address: str) -> None:
        with self.lock:
            self.failures.pop(address.lower(), None)

    def clear(self) -> None:
        with self.lock:
            self.envelopes.clear()
            self.refused.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope went to this address."""
        with self.lock:
            wanted = address.lower()
            return [e.message for e in self.envelopes if wanted in map(str.lower, e.rcpt_tos)]

    # aiosmtpd handler hooks (run in the server's thread)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # this hook's duty in aiosmtpd's EHLO protocol
        with self.lock:
            self.sessions += 1
        if self.pipelining:
            return [responses[0], "250-PIPELINING", *responses[1:]]
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            failure = self.failures.get(address.lower())
            if failure is not None and failure.at == "rcpt":
                self.refused.append((address, failure.code))
                return failure.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        deadline = time.monotonic() + 20  # a bound, not a timing: never reached when it works
        while self.sessions < self.hold_until_sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                failure = self.failures.get(rcpt.lower())
                if failure is not None and failure.at == "data":
                    self.refused.append((rcpt, failure.code))
                    return failure.reply
            data = bytes(envelope.original_content or envelope.content)
            parsed = email.message_from_bytes(data, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.envelopes.append(
                Envelope(str(envelope.mail_from), list(envelope.rcpt_tos), data, parsed)
            )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[Callable[..., SmtpSink]]:
    """Starts SMTP sinks (aiosmtpd ``SMTP`` options as keywords) and points Django's mail
    settings at the last one started; all are stopped after the test."""
    controllers: list[Controller] = []

    def start(**options: Any) -> SmtpSink:
        sink = SmtpSink()
        for _ in range(5):  # another process may take the free port between probe and bind
            sink.port = _free_port()
            candidate = Controller(sink, hostname=sink.host, port=sink.port, **options)
            try:
                candidate.start()
            except (OSError, RuntimeError):
                candidate.stop(no_assert=True)
                continue
            controllers.append(candidate)
            break
        else:
            pytest.fail("could not start the SMTP sink on 127.0.0.1")
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = sink.host
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        return sink

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture
def smtp_sink(smtp_server: Callable[..., SmtpSink]) -> SmtpSink:
    return smtp_server()
