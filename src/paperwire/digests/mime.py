"""A digest's MIME bytes, assembled directly.

Python's email package (through Django's mail classes) spent about 3 ms a message folding
headers and re-scanning bodies — most of the sender's time (bench/digests.py, cProfile). A
digest always has the same shape: multipart/alternative with a UTF-8 text part and a UTF-8
HTML part, both in short lines, under headers this project writes itself. So the SMTP path
assembles those bytes here, and checks what the email package would have checked: no header
value holds a line break (no header can be injected), non-ASCII header text is RFC 2047
encoded, no body line exceeds SMTP's 998-byte limit (such a message falls back to Django's
classes, which encode it as quoted-printable).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formatdate, parseaddr
from functools import lru_cache

from django.core.mail import BadHeaderError, EmailMultiAlternatives

MAX_LINE = 998


@dataclass
class Outbound:
    from_email: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def envelope_from(self) -> str:
        return _address(self.from_email)

    def as_django(self) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject, body=self.text, from_email=self.from_email, to=[self.to],
            headers=dict(self.headers),
        )  # fmt: skip
        message.attach_alternative(self.html, "text/html")
        return message

    def as_bytes(self) -> bytes:
        """CRLF-terminated MIME bytes; the email package's when a body line is too long."""
        text = _crlf(self.text)
        html = _crlf(self.html)
        if _too_long(text) or _too_long(html):
            return bytes(self.as_django().message().as_bytes(linesep="\r\n"))
        boundary = f"=_paperwire_{secrets.token_hex(12)}"
        head = {
            "From": self.from_email,
            "To": self.to,
            "Subject": self.subject,
            "Date": formatdate(localtime=False),
            **self.headers,
            "MIME-Version": "1.0",
            "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        }
        lines = [f"{name}: {_header_value(name, value)}" for name, value in head.items()]
        part = 'Content-Type: text/{0}; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n'
        body = (
            "\r\n".join(lines)
            + "\r\n\r\n"
            + f"--{boundary}\r\n{part.format('plain')}\r\n{text}\r\n"
            + f"--{boundary}\r\n{part.format('html')}\r\n{html}\r\n"
            + f"--{boundary}--\r\n"
        )
        return body.encode("utf-8")


def _header_value(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"header {name} holds a line break")
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _crlf(text: str) -> str:
    # Every line break becomes CRLF, a bare CR included (SMTP servers refuse bare CRs).
    if "\r" not in text:  # the usual case: one pass instead of three
        return text.replace("\n", "\r\n")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _too_long(text: str) -> bool:
    # A character is at most 4 bytes in UTF-8: only lines over 249 characters need measuring.
    # (A regular expression for long lines backtracks at every position: 300x slower.)
    suspects = [line for line in text.split("\r\n") if len(line) > MAX_LINE // 4]
    return any(len(line.encode("utf-8")) > MAX_LINE for line in suspects)


@lru_cache(maxsize=64)
def _address(value: str) -> str:
    return parseaddr(value)[1] or value
