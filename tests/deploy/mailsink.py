"""An SMTP server that keeps what it accepts, for tests where real processes send mail.

`delay` makes it a slow relay: it waits before answering MAIL FROM, so a send takes that long
and a worker can be caught in the middle of one — before the message is accepted, which is
where an SMTP client that dies loses nothing (after the final "250", a copy would be the
relay's to keep: see the Message-ID in notifications/registry.py).
"""

import email
import socketserver
import threading
import time
from email.message import Message


class MailSink:
    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.messages: list[Message] = []
        self.connections = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                with sink._lock:
                    sink.connections += 1
                sink._converse(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _converse(self, rfile, wfile) -> None:
        def say(line: str) -> None:
            wfile.write(f"{line}\r\n".encode())
            wfile.flush()

        try:
            say("220 sink ESMTP")
            while line := rfile.readline():
                verb = line[:4].decode(errors="replace").upper()
                if verb in ("EHLO", "HELO"):
                    say("250 sink")
                elif verb == "MAIL":
                    time.sleep(self.delay)
                    say("250 ok")
                elif verb in ("RCPT", "RSET", "NOOP"):
                    say("250 ok")
                elif verb == "DATA":
                    say("354 end with <CRLF>.<CRLF>")
                    data = bytearray()
                    while (chunk := rfile.readline()) not in (b".\r\n", b""):
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    if chunk == b"":
                        return  # the client went away mid-message: nothing accepted
                    with self._lock:
                        self.messages.append(email.message_from_bytes(bytes(data)))
                    say("250 queued")
                elif verb == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("502 not implemented")
        except OSError:
            return  # the client died (a killed worker): nothing accepted after this point

    def message_ids(self) -> list[str]:
        with self._lock:
            return [str(message["Message-ID"]) for message in self.messages]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
