"""A real SMTP server on loopback for tests: it records every message it accepts and refuses on demand.

    with RecordingSmtpServer() as server:
        settings.EMAIL_PORT = server.port   # 127.0.0.1, a free port, no TLS, no authentication
        server.fail_next(1)                 # the next DATA command is answered "451", then all is well
        ...
        server.messages                     # every accepted message, parsed with email.policy.default
        server.raw_messages                 # the same messages as the bytes that came over the wire

The server runs in its own thread (aiosmtpd's Controller); the lists are only appended to, so a test
reads them after the client has finished talking to the server.
"""

from __future__ import annotations

import logging
import socket
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
# aiosmtpd logs every command at INFO; a failing test's output should show the test, not the chatter.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, server: RecordingSmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        return self.server._accept(envelope)


class RecordingSmtpServer:
    """An SMTP server on 127.0.0.1 that keeps what it accepts and can answer 451 to the next DATA commands."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.messages: list[EmailMessage] = []
        self.raw_messages: list[bytes] = []
        self._failures = 0
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port)

    def fail_next(self, count: int) -> None:
        """Answer "451 try again later" to the next `count` DATA commands (the message is not kept)."""
        with self._lock:
            self._failures = count

    def _accept(self, envelope: Envelope) -> str:
        with self._lock:
            if self._failures > 0:
                self._failures -= 1
                return "451 4.3.0 Temporary failure, try again later"
            content = envelope.original_content or envelope.content or b""
            raw = content if isinstance(content, bytes) else content.encode()
            self.raw_messages.append(raw)
            parsed = BytesParser(policy=policy.default).parsebytes(raw)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 2.0.0 OK"

    def __enter__(self) -> RecordingSmtpServer:
        self._controller.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Any:
        self._controller.stop()
        return None
