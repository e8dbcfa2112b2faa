"""E-mail settings from one URL, ``PAPERWIRE_SMTP_URL``.

    smtp://user:password@host:587       STARTTLS (port 587 by default)
    smtps://user:password@host:465      TLS from the first byte
    smtp+plain://host:1025              no TLS at all (a local relay, a test server)
    console://                          print messages on standard output (the default)
    anymail+ESP://API_KEY@              a provider's HTTP API through django-anymail, e.g.
                                        anymail+postmark://KEY@ or anymail+mailgun://KEY@?sender_domain=mg.example.org

User and password are percent-decoded, so any character can be given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


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
        extra = {f"{esp.upper()}_{k.upper()}": v[-1] for k, v in parse_qs(parts.query).items()}
        return MailConfig(
            f"anymail.backends.{esp}.EmailBackend",
            anymail={f"{esp.upper()}_API_KEY": unquote(parts.username or ""), **extra},
        )
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    defaults = {
        "smtp": (587, True, False),
        "smtps": (465, False, True),
        "smtp+plain": (25, False, False),
    }
    if scheme not in defaults:
        raise ImproperlyConfigured(
            f"PAPERWIRE_SMTP_URL: unknown scheme {scheme!r} "
            "(smtp, smtps, smtp+plain, anymail+PROVIDER or console)"
        )
    if not parts.hostname:
        raise ImproperlyConfigured("PAPERWIRE_SMTP_URL has no host")
    default_port, tls, ssl = defaults[scheme]
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        timeout = float(query.pop("timeout", "30"))
    except ValueError:
        raise ImproperlyConfigured("PAPERWIRE_SMTP_URL: timeout must be a number") from None
    return MailConfig(
        smtp,
        host=parts.hostname,
        port=port or default_port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=tls,
        use_ssl=ssl,
        timeout=timeout,
    )
