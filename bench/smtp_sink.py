"""A real SMTP server in this process that keeps what it receives, and when.

For measuring (bench/notify_bench.py) and testing (tests/notifications/test_smtp_delivery.py)
the path an email really takes: a worker's Django SMTP backend connects, says EHLO, MAIL, RCPT
and DATA over a socket, and the message is recorded with the moment its DATA was accepted.

    with smtp_sink() as sink:
        ...  # EMAIL_HOST=sink.host, EMAIL_PORT=sink.port
        sink.wait_for(3, timeout=10)
        sink.messages[0].subject
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    """One message as the SMTP server accepted it."""

    at: float  # time.monotonic() when DATA was accepted
    mail_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


class Sink:
    """The handler aiosmtpd calls for each message; a list of what arrived."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.messages: list[Received] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        at = time.monotonic()
        raw = envelope.original_content or b""
        # With the default policy the parser builds EmailMessage (get_body, get_content).
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if not isinstance(message, EmailMessage):
            raise TypeError(f"parsed {type(message).__name__}, not EmailMessage")
        received = Received(
            at=at,
            mail_from=str(envelope.mail_from),
            recipients=list(envelope.rcpt_tos),
            message=message,
        )
        with self._arrived:
            self.messages.append(received)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, *, timeout: float) -> bool:
        """Wait until `count` messages arrived (True) or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_sink() -> Iterator[Sink]:
    """Serve SMTP on 127.0.0.1 (a free port) in a thread until the with-block ends."""
    # aiosmtpd logs every SMTP command at INFO: only its warnings are of interest here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = Sink()
    sink.port = _free_port()
    # No size limit and no 8BITMIME fuss: the sink accepts whatever Django sends.
    controller = Controller(sink, hostname=sink.host, port=sink.port, data_size_limit=0)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
