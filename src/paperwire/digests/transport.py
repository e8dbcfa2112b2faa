"""Handing one message to the mail server, with a commit point just before its last byte.

Exactly-once delivery needs the database to learn "sent" at the same moment the server
accepts, and no protocol offers that. SMTP comes closest: the server takes responsibility for
a message only when it has received the final ``<CRLF>.<CRLF>`` of DATA. So the SMTP transport
sends everything but those five bytes, calls ``commit`` (the caller marks the digest
``sending`` and commits), then sends them and reads the answer. A sender killed before the
commit has delivered nothing (the server drops a transaction that never ended) and the digest
is sent on resume; killed after it, the digest counts as sent. Only a crash inside the round
trip of those five bytes can lose one, and never can one go out twice.

``commit`` may refuse (``ClaimLost``: another sender has the digest); the transport then
closes the connection without those five bytes, which makes the server discard the message.

Provider APIs (django-anymail) and the console backend have no such point: ``commit`` runs
just before the request, with the same rule on resume.

Two kinds of failure: one message's (``DeliveryError``: a recipient refused, a 4xx, a
dropped connection; the sender retries or bounces it) and the server's
(``paperwire.mailconfig.MailServerUnusable``: it cannot be reached, will not do TLS, refuses
our login or our sender), after which no message can go and the run stops.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.mail import get_connection

from paperwire.digests.mime import Outbound
from paperwire.mailconfig import MailServerUnusable, server_problem

Commit = Callable[[], None]
T = TypeVar("T")


@dataclass
class Reply:
    code: int
    text: str

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600

    @property
    def temporary(self) -> bool:
        return not self.permanent


class DeliveryError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(f"{reply.code} {reply.text}")
        self.reply = reply


class NoAnswer(DeliveryError):
    """The connection failed after the message's last byte, before the server's answer: the
    server may have taken it, so it counts as sent (never twice)."""


class ClaimLost(Exception):
    """Raised by a commit callback: the digest is not this sender's to send (another sender
    claimed it), so the message must not be completed."""


class Transport:
    def send(self, message: Outbound, commit: Commit) -> Reply:
        raise NotImplementedError

    def start(self, message: Outbound, commit: Commit) -> Callable[[], Reply]:
        """Hand the message over and return the call that gives the server's answer, which
        may not have arrived yet: the caller prepares its next message meanwhile."""
        reply = self.send(message, commit)
        return lambda: reply

    def close(self) -> None:
        pass


_LEADING_DOT = re.compile(rb"(?m)^\.")


class SmtpTransport(Transport):
    """One connection, kept open across messages, reopened after an error."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            try:
                self._smtp = self._open()
            except (smtplib.SMTPException, OSError) as exc:
                # Connecting, TLS, EHLO or login failed: no message can go until the setting
                # changes, so this ends the run instead of counting as one digest's failure.
                raise server_problem(exc) from exc
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        timeout = settings.EMAIL_TIMEOUT or 30
        smtp: smtplib.SMTP
        if settings.EMAIL_USE_SSL:
            smtp = smtplib.SMTP_SSL(
                settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout)
        try:
            if settings.EMAIL_USE_TLS:
                smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo_or_helo_if_needed()
            if settings.EMAIL_HOST_USER:
                smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except BaseException:
            smtp.close()
            raise
        # The last bytes of DATA go out alone after the commit point: without this the
        # kernel holds them until the body is acknowledged, ~40 ms of delayed ACK each.
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return smtp

    def send(self, message: Outbound, commit: Commit) -> Reply:
        return self.start(message, commit)()

    def start(self, message: Outbound, commit: Commit) -> Callable[[], Reply]:
        self._guard(lambda: self._hand_over(message, commit))
        return lambda: self._guard(self._answer, after_last_byte=True)

    def _guard(self, step: Callable[[], T], after_last_byte: bool = False) -> T:
        """Every failure as a DeliveryError, the connection left usable or closed."""
        try:
            return step()
        except MailServerUnusable:
            self.close()
            raise
        except DeliveryError:
            self._reset()
            raise
        except ValueError as exc:  # smtplib refuses a line break in an address: never sendable
            self._reset()
            raise DeliveryError(Reply(553, f"address refused: {exc}"[:300])) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()  # the connection is in an unknown state: start afresh next time
            code = getattr(exc, "smtp_code", 0) or 0
            text = str(getattr(exc, "smtp_error", b"") or exc)
            if after_last_byte and not code:
                raise NoAnswer(Reply(0, text[:300])) from exc
            raise DeliveryError(Reply(code if code >= 400 else 421, text[:300])) from exc

    def _hand_over(self, message: Outbound, commit: Commit) -> None:
        """Everything up to and including the final dot; its answer is read by ``_answer``."""
        smtp = self._connection()
        body = message.as_bytes()
        body_type = " BODY=8BITMIME" if smtp.has_extn("8bitmime") else ""
        mail = f"MAIL FROM:<{message.envelope_from}>{body_type}"
        rcpt = f"RCPT TO:<{message.to}>"
        if smtp.has_extn("pipelining"):
            replies = _envelope_pipelined(smtp, mail, rcpt)
        else:
            # docmd, not mail()/rcpt(): those re-parse the addresses (validated when stored)
            # on every message; putcmd still refuses any line break in a command.
            replies = [smtp.docmd(mail)]
            if replies[0][0] == 250:
                replies += [smtp.docmd(rcpt)]
                if replies[1][0] in (250, 251):
                    replies += [smtp.docmd("DATA")]
        _check_envelope(smtp, message, replies)
        if body.startswith(b".") or b"\n." in body:  # dot-stuffing (RFC 5321 4.5.2)
            body = _LEADING_DOT.sub(b"..", body)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body)
        try:
            commit()
        except BaseException:
            # Not to be sent after all (ClaimLost, or the database failed): without the final
            # dot the server discards the message. No QUIT: inside DATA it would be more text.
            self._drop()
            raise
        smtp.send(b".\r\n")

    def _answer(self) -> Reply:
        if self._smtp is None:  # closed since the message was handed over: it may have gone
            raise NoAnswer(Reply(0, "the connection closed before the server answered"))
        code, text = self._smtp.getreply()
        _expect(code, text, 250)
        return Reply(code, _decode(text))

    def _reset(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.close()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def _drop(self) -> None:
        """Close the socket at once, mid-message: the server drops what it has of it."""
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None


class DjangoTransport(Transport):
    """Any Django mail backend: django-anymail's provider APIs, the console."""

    def __init__(self) -> None:
        self._connection = get_connection(fail_silently=False)

    def send(self, message: Outbound, commit: Commit) -> Reply:
        commit()
        django_message = message.as_django()
        django_message.connection = self._connection
        try:
            django_message.send()
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            cause = exc.__cause__ or exc.__context__
            if status in (401, 403) or (status is None and isinstance(cause, OSError)):
                # The key refused, or the API unreachable (requests' errors are OSErrors):
                # not this recipient's fault, and every other message would fail the same.
                raise server_problem(exc) from exc
            # anymail: a refused recipient is permanent; a 4xx/5xx from the API likewise
            permanent = type(exc).__name__ == "AnymailRecipientsRefused" or (
                isinstance(status, int) and 400 <= status < 500 and status != 429
            )
            raise DeliveryError(Reply(550 if permanent else 451, str(exc)[:300])) from exc
        return Reply(250, "accepted")


def _envelope_pipelined(smtp: smtplib.SMTP, mail: str, rcpt: str) -> list[tuple[int, bytes]]:
    """MAIL, RCPT and DATA in one write, then their three answers (RFC 2920): one round trip
    to the server instead of three, where the server offers it (Postfix and Exim do)."""
    for command in (mail, rcpt):
        if "\r" in command or "\n" in command:  # what putcmd refuses, refused here too
            raise ValueError(f"a line break in {command.split(':', 1)[0]}")
    # ASCII like putcmd: an address it cannot encode is refused the same way (ValueError)
    smtp.send(f"{mail}\r\n{rcpt}\r\nDATA\r\n".encode("ascii"))
    return [smtp.getreply(), smtp.getreply(), smtp.getreply()]


def _check_envelope(
    smtp: smtplib.SMTP, message: Outbound, replies: list[tuple[int, bytes]]
) -> None:
    """MAIL 250, RCPT 250/251 and DATA 354, or the first refusal as an error."""
    if (
        len(replies) == 3
        and replies[2][0] == 354
        and (replies[0][0] != 250 or replies[1][0] not in (250, 251))
    ):
        # A server that opened DATA after refusing the envelope: end it empty (it has no
        # recipient to deliver to) so the session stays in step, then report the refusal.
        smtp.send(b".\r\n")
        smtp.getreply()
    code, text = replies[0]
    if 500 <= code < 600:
        # Our own address refused: every message would be, so this ends the run.
        raise server_problem(smtplib.SMTPSenderRefused(code, text, message.envelope_from))
    _expect(code, text, 250)
    code, text = replies[1]
    _expect(code, text, 250, 251)
    code, text = replies[2]
    _expect(code, text, 354)


def open_transport() -> Transport:
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        return SmtpTransport()
    return DjangoTransport()


def _expect(code: int, text: bytes | str, *good: int) -> None:
    if code not in good:
        raise DeliveryError(Reply(code, _decode(text)))


def _decode(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)
