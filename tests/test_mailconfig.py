"""PAPERWIRE_SMTP_URL: the schemes mean what Django's URL-settings libraries say they mean."""

from __future__ import annotations

import environ  # type: ignore[import-untyped]
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection

from paperwire.mailconfig import SMTP_BACKEND, parse_mail_url


@pytest.mark.parametrize(
    ("url", "starttls", "tls", "port"),
    [
        ("smtp://relay.example.org", False, False, 25),
        ("smtp+plain://relay.example.org", False, False, 25),
        ("smtp+tls://relay.example.org", True, False, 587),
        ("smtp+ssl://relay.example.org", False, True, 465),
        ("smtps://relay.example.org", False, True, 465),
        ("SMTP+TLS://relay.example.org:2525", True, False, 2525),
    ],
)
def test_each_scheme_says_how_the_connection_is_secured(url, starttls, tls, port):
    mail = parse_mail_url(url)
    assert mail.backend == SMTP_BACKEND
    assert (mail.use_tls, mail.use_ssl, mail.port) == (starttls, tls, port)
    assert mail.host == "relay.example.org"


@pytest.mark.parametrize("scheme", ["smtp", "smtp+tls", "smtp+ssl"])
def test_the_schemes_agree_with_django_environ(scheme):
    # A URL copied from a project configured with django-environ does the same here.
    url = f"{scheme}://us%40er:p%3Ass%2Fw@mail.example.org:2525"
    theirs = environ.Env.email_url_config(url)
    ours = parse_mail_url(url)
    assert ours.backend == theirs["EMAIL_BACKEND"]
    assert ours.use_tls == theirs.get("EMAIL_USE_TLS", False)
    assert ours.use_ssl == theirs.get("EMAIL_USE_SSL", False)
    assert (ours.host, ours.port) == (theirs["EMAIL_HOST"], theirs["EMAIL_PORT"])
    assert (ours.user, ours.password) == ("us@er", "p:ss/w")
    assert (theirs["EMAIL_HOST_USER"], theirs["EMAIL_HOST_PASSWORD"]) == ("us@er", "p:ss/w")


def test_smtp_means_plain_smtp_not_starttls():
    # It meant STARTTLS before: a relay without TLS then failed every message for seconds.
    mail = parse_mail_url("smtp://127.0.0.1:1025")
    assert (mail.use_tls, mail.use_ssl) == (False, False)


def test_timeout_console_and_anymail():
    assert parse_mail_url("smtp+tls://h?timeout=5").timeout == 5.0
    assert parse_mail_url("smtp://h").timeout == 30.0
    assert parse_mail_url("console://").backend == "django.core.mail.backends.console.EmailBackend"
    mail = parse_mail_url("anymail+mailgun://k%2Fey@?sender_domain=mg.example.org")
    assert mail.backend == "anymail.backends.mailgun.EmailBackend"
    assert mail.anymail == {"MAILGUN_API_KEY": "k/ey", "MAILGUN_SENDER_DOMAIN": "mg.example.org"}
    # each provider's own name for its key (Postmark's is a server token; Mailjet has two)
    assert parse_mail_url("anymail+postmark://T@").anymail == {"POSTMARK_SERVER_TOKEN": "T"}
    assert parse_mail_url("anymail+mailjet://K:S@").anymail == {
        "MAILJET_API_KEY": "K",
        "MAILJET_SECRET_KEY": "S",
    }


def test_the_provider_backend_accepts_the_settings(settings):
    mail = parse_mail_url("anymail+postmark://T@")
    settings.EMAIL_BACKEND, settings.ANYMAIL = mail.backend, mail.anymail
    assert get_connection().server_token == "T"  # anymail refuses a missing token


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            "smtpx://user:secret@h",
            "PAPERWIRE_SMTP_URL: unknown scheme smtpx://; use smtp://, smtp+tls://, smtp+ssl://, "
            "smtps://, smtp+plain://, console:// or anymail+PROVIDER://KEY@",
        ),
        (
            "mail.example.org:587",
            "PAPERWIRE_SMTP_URL: unknown scheme mail.example.org://; use smtp://, smtp+tls://, "
            "smtp+ssl://, smtps://, smtp+plain://, console:// or anymail+PROVIDER://KEY@",
        ),
        ("smtp+tls://", "PAPERWIRE_SMTP_URL has no host (write smtp+tls://HOST:PORT)"),
        (
            "smtp://h?timeout=abc",
            "PAPERWIRE_SMTP_URL: timeout must be a number of seconds above 0, not 'abc'",
        ),
        (
            "smtp://h?timeout=0",
            "PAPERWIRE_SMTP_URL: timeout must be a number of seconds above 0, not '0'",
        ),
        ("smtp://h?tls=1", "PAPERWIRE_SMTP_URL: unknown option 'tls' (the only one is ?timeout=)"),
        ("smtp://h:99999", "PAPERWIRE_SMTP_URL is not a URL: Port out of range 0-65535"),
    ],
)
def test_a_bad_url_is_one_line_naming_the_setting(url, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        parse_mail_url(url)
    assert str(refused.value) == says
    assert "secret" not in str(refused.value)  # the URL may hold a password: never quoted
