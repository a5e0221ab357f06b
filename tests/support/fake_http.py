"""A local HTTP server standing for a third party (a webhook receiver, an OpenAI-compatible API).

Third parties are the only thing the tests fake, and they are faked over real sockets: the actions under
test open real connections to 127.0.0.1, so their timeouts, 5xx handling and garbage handling are what
production runs. Each test queues the replies it wants (``server.reply(Canned(...))``); every request is
recorded (method, path, headers, JSON body). A canned reply may wait before answering (``delay``: the
server is slow; that is the fake's behaviour, not a test sleeping), wait until the test lets it go
(``hold``), or write raw bytes that are no HTTP at all.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Canned:
    status: int = 200
    body: Any = None  # a dict or list is sent as JSON; bytes and str as they are
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds the server waits before answering
    hold: bool = False  # wait until ``FakeServer.release()`` (at most HOLD_MAX seconds)
    raw: bytes | None = None  # written instead of an HTTP reply

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return b"" if self.body is None else json.dumps(self.body).encode()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


HOLD_MAX = 60.0


class FakeServer:
    """``with FakeServer() as server:`` serves on 127.0.0.1, a free port; ``server.url("/hook")``."""

    def __init__(self, default: Canned | None = None):
        self.default = default or Canned(body={"ok": True})
        self.replies: deque[Canned] = deque()
        self.requests: list[Seen] = []
        self.released = threading.Event()
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}{path}"

    def reply(self, *canned: Canned) -> FakeServer:
        self.replies.extend(canned)
        return self

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, seen: Seen) -> Canned:
        with self._lock:
            self.requests.append(seen)
            self.arrived.set()
            return self.replies.popleft() if self.replies else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                canned = server._next(Seen("POST", self.path, dict(self.headers.items()), body))
                if canned.hold:
                    server.released.wait(HOLD_MAX)
                if canned.delay:
                    server.released.wait(canned.delay)  # slow, unless the test is over
                # A client that gave up (a timeout under test) leaves nothing to answer: its OSError is ignored.
                with contextlib.suppress(OSError):
                    self._answer(canned)

            def _answer(self, canned: Any) -> None:
                if canned.raw is not None:
                    self.wfile.write(canned.raw)
                    self.close_connection = True
                    return
                payload = canned.payload()
                self.send_response(canned.status)
                if canned.content_type:
                    self.send_header("Content-Type", canned.content_type)
                for name, value in canned.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
