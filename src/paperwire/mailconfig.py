"""E-mail settings from one URL, ``PAPERWIRE_SMTP_URL``, and what a mail server's failure means
for them.

    smtp://host:25                      plain SMTP, no TLS (a local relay, a test server)
    smtp+tls://user:password@host:587   STARTTLS: plain at first, upgraded before anything is sent
    smtp+ssl://user:password@host:465   TLS from the first byte (``smtps://`` is the same)
    smtp+plain://host:25                paperwire's older name for ``smtp://``, still accepted
    console://                          print messages on standard output (the default)
    anymail+ESP://API_KEY@              a provider's HTTP API through django-anymail, e.g.
                                        anymail+postmark://KEY@ or anymail+mailgun://KEY@?sender_domain=mg.example.org

``smtp``, ``smtp+tls`` and ``smtp+ssl`` mean what they mean to django-environ's
``Env.email_url_config`` (tests/test_mailconfig.py checks it), so a URL copied from another
Django project does what it did there. ``smtps`` is the exception: django-environ and
dj-email-url read it as STARTTLS, paperwire has always read it as TLS from the first byte (port
465, RFC 8314); a wrong guess fails at once with a line that names the scheme to use instead.

User and password are percent-decoded, so any character can be given.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# scheme: (STARTTLS, TLS from the first byte, default port)
SMTP_SCHEMES: dict[str, tuple[bool, bool, int]] = {
    "smtp": (False, False, 25),
    "smtp+plain": (False, False, 25),
    "smtp+tls": (True, False, 587),
    "smtp+ssl": (False, True, 465),
    "smtps": (False, True, 465),
}
# What a provider calls the key in ``anymail+PROVIDER://KEY@``, where it is not API_KEY.
ANYMAIL_KEY_NAMES = {"postmark": "SERVER_TOKEN"}
ALLOWED = (
    "smtp://, smtp+tls://, smtp+ssl://, smtps://, smtp+plain://, console:// "
    "or anymail+PROVIDER://KEY@"
)
TLS_HINT = (
    "smtps:// and smtp+ssl:// speak TLS from the first byte (usually port 465), "
    "smtp+tls:// upgrades a plain connection with STARTTLS (usually port 587), "
    "smtp:// is plain SMTP"
)


@dataclass(frozen=True)
class MailConfig:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float = 30.0
    anymail: dict[str, str] = field(default_factory=dict)


def parse_mail_url(url: str) -> MailConfig:
    # Messages never quote the URL: it may hold a password.
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"PAPERWIRE_SMTP_URL is not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme == "console":
        return MailConfig("django.core.mail.backends.console.EmailBackend")
    if scheme.startswith("anymail+"):
        esp = scheme.removeprefix("anymail+")
        if not esp.isidentifier():
            raise ImproperlyConfigured(f"PAPERWIRE_SMTP_URL: bad provider name {esp!r}")
        prefix = esp.upper()
        keys = {f"{prefix}_{ANYMAIL_KEY_NAMES.get(esp, 'API_KEY')}": unquote(parts.username or "")}
        if parts.password:  # a provider with a second secret (Mailjet's secret key)
            keys[f"{prefix}_SECRET_KEY"] = unquote(parts.password)
        extra = {f"{prefix}_{k.upper()}": v[-1] for k, v in parse_qs(parts.query).items()}
        return MailConfig(f"anymail.backends.{esp}.EmailBackend", anymail={**keys, **extra})
    if scheme not in SMTP_SCHEMES:
        raise ImproperlyConfigured(
            f"PAPERWIRE_SMTP_URL: unknown scheme {scheme + '://' if scheme else '(none)'}; "
            f"use {ALLOWED}"
        )
    if not parts.hostname:
        raise ImproperlyConfigured(f"PAPERWIRE_SMTP_URL has no host (write {scheme}://HOST:PORT)")
    starttls, tls, default_port = SMTP_SCHEMES[scheme]
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    raw_timeout = query.pop("timeout", "30")
    if query:
        raise ImproperlyConfigured(
            f"PAPERWIRE_SMTP_URL: unknown option {sorted(query)[0]!r} (the only one is ?timeout=)"
        )
    try:
        timeout = float(raw_timeout)
    except ValueError:
        timeout = 0.0
    if not 0 < timeout < float("inf"):
        raise ImproperlyConfigured(
            f"PAPERWIRE_SMTP_URL: timeout must be a number of seconds above 0, not {raw_timeout!r}"
        )
    return MailConfig(
        SMTP_BACKEND,
        host=parts.hostname,
        port=port or default_port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=starttls,
        use_ssl=tls,
        timeout=timeout,
    )


class MailServerUnusable(Exception):
    """The mail server cannot be used at all: it cannot be reached, will not do TLS, refuses
    our login or our sender. Unlike one recipient's refusal, trying the next message or
    trying again in a second cannot help: the setting has to change. ``str()`` is one line
    that names the setting to check."""

    def __init__(self, problem: str, setting: str = "PAPERWIRE_SMTP_URL") -> None:
        super().__init__(f"{problem}; check {setting}")
        self.setting = setting


def server_problem(exc: BaseException) -> MailServerUnusable:
    """What a failure to connect, secure the connection, log in or have our sender accepted
    means, as one line naming the setting to check (for the digest sender and sign-in mail:
    the one wording of these failures)."""
    from django.conf import settings

    if settings.EMAIL_BACKEND.startswith("anymail."):
        provider = settings.EMAIL_BACKEND.removeprefix("anymail.backends.").split(".")[0]
        status = getattr(exc, "status_code", None)
        refused = " refused the key" if status in (401, 403) else ""
        return MailServerUnusable(f"the mail provider {provider}{refused}: {_text(exc)}")
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        sender = exc.sender.decode() if isinstance(exc.sender, bytes) else exc.sender
        return MailServerUnusable(
            f"the mail server {where} refused the sender {sender}: "
            f"{exc.smtp_code} {_text(exc.smtp_error)}",
            "PAPERWIRE_MAIL_FROM",
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailServerUnusable(
            f"the mail server {where} refused the user name and password: "
            f"{exc.smtp_code} {_text(exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc).upper():
        return MailServerUnusable(
            f"the mail server {where} does not offer STARTTLS, which smtp+tls:// asks for "
            "(smtp:// is plain SMTP, for a local relay)"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError) or (
        type(exc) is smtplib.SMTPException and "authentication" in str(exc).lower()
    ):
        return MailServerUnusable(
            f"the mail server {where} offers no way to log in on this connection "
            "(a server that asks for STARTTLS first needs smtp+tls://)"
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailServerUnusable(
            f"the mail server {where} showed a TLS certificate that cannot be trusted: "
            f"{exc.verify_message or _text(exc)}"
        )
    if isinstance(exc, ssl.SSLError):
        return MailServerUnusable(
            f"the TLS handshake with the mail server {where} failed "
            f"({exc.reason or _text(exc)}): {TLS_HINT}"
        )
    if isinstance(exc, ConnectionRefusedError):
        return MailServerUnusable(f"cannot connect to the mail server {where}: connection refused")
    if isinstance(exc, socket.gaierror):
        return MailServerUnusable(
            f"cannot find the mail server {settings.EMAIL_HOST}: {exc.strerror or _text(exc)}"
        )
    if isinstance(exc, TimeoutError):
        # A plain client and a TLS-only port wait for each other to speak first.
        hint = "" if settings.EMAIL_USE_SSL else f" ({TLS_HINT})"
        return MailServerUnusable(
            f"the mail server {where} did not answer within {settings.EMAIL_TIMEOUT or 30:g} s"
            + hint
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailServerUnusable(
            f"the mail server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailServerUnusable(f"the mail server {where} closed the connection: {_text(exc)}")
    if isinstance(exc, OSError):
        reason = exc.strerror or _text(exc) or type(exc).__name__
        return MailServerUnusable(f"cannot connect to the mail server {where}: {reason}")
    return MailServerUnusable(f"the mail server {where} failed: {type(exc).__name__}: {_text(exc)}")


def _text(value: object) -> str:
    """A server's answer or an error on one line, not too long for a log line."""
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:300]
