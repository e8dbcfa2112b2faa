"""The SMTP transport on the wire: what it sends, in what order, and when it commits."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.test import override_settings

from paperwire.digests.mime import Outbound
from paperwire.digests.transport import DeliveryError, SmtpTransport

MESSAGE = Outbound(
    from_email="paperwire <digests@example.org>",
    to="reader@example.org",
    subject="Today",
    text="Hello",
    html="<p>Hello</p>",
)


@dataclass
class StrictPipeliningServer:
    """Offers PIPELINING and answers nothing of an envelope until it has MAIL, RCPT and DATA:
    a client that waits for each answer (no pipelining) stalls here and times out."""

    listener: socket.socket = field(default_factory=socket.socket)
    received: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def serve_one(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            reader = connection.makefile("rb")
            connection.sendall(b"220 strict\r\n")
            assert reader.readline().upper().startswith(b"EHLO")
            connection.sendall(b"250-strict\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            envelope: list[bytes] = []
            while len(envelope) < 3:
                line = reader.readline()
                if line.upper().startswith(b"RSET"):
                    connection.sendall(b"250 reset\r\n")
                    continue
                if not line or line.upper().startswith(b"QUIT"):
                    connection.sendall(b"221 bye\r\n")
                    return
                envelope.append(line)
            self.received += envelope
            connection.sendall(b"250 sender ok\r\n250 recipient ok\r\n354 go ahead\r\n")
            body = b""
            while not body.endswith(b"\r\n.\r\n"):
                line = reader.readline()
                if not line:
                    return
                body += line
            self.received.append(body)
            connection.sendall(b"250 queued\r\n")
            if reader.readline().upper().startswith(b"QUIT"):
                connection.sendall(b"221 bye\r\n")


@pytest.fixture
def strict_server() -> Iterator[StrictPipeliningServer]:
    server = StrictPipeliningServer()
    server.listener.bind(("127.0.0.1", 0))
    server.listener.listen(1)
    thread = threading.Thread(target=server.serve_one, daemon=True)
    thread.start()
    with override_settings(
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port, EMAIL_HOST_USER="",
        EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_TIMEOUT=3,
    ):  # fmt: skip
        yield server
    server.listener.close()
    thread.join(timeout=5)


def test_with_pipelining_the_envelope_goes_in_one_round_trip(
    strict_server: StrictPipeliningServer,
):
    commits: list[int] = []
    transport = SmtpTransport()
    reply = transport.send(MESSAGE, lambda: commits.append(len(strict_server.received)))
    transport.close()
    assert (reply.code, reply.text) == (250, "queued")
    mail, rcpt, data, body = strict_server.received
    assert mail == b"MAIL FROM:<digests@example.org> BODY=8BITMIME\r\n"
    assert rcpt == b"RCPT TO:<reader@example.org>\r\n"
    assert data == b"DATA\r\n"
    assert b"Subject: Today" in body
    # the commit point came after the envelope, before the server had the final dot
    assert commits == [3]


def test_a_line_break_in_a_pipelined_address_is_refused_before_anything_is_sent(
    strict_server: StrictPipeliningServer,
):
    evil = Outbound(
        from_email=MESSAGE.from_email, to="a@example.org>\r\nRCPT TO:<thief@example.org",
        subject="x", text="x", html="x",
    )  # fmt: skip
    transport = SmtpTransport()
    with pytest.raises(DeliveryError) as refused:
        transport.send(evil, lambda: None)
    transport.close()
    assert refused.value.reply.permanent
    assert strict_server.received == []
