"""`make run` as a newcomer runs it, for the tests that look at it from outside (tests/live/): started on a
fresh clone's terms (nothing set), its terminal read as a person would see it scroll by, stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.polling import wait_until
from tests.support.processes import REPO

BASE = "http://127.0.0.1:8000"


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Terminal:
    """The output of `make run`, read line by line as a person would see it scroll by."""

    def __init__(self, popen: subprocess.Popen, home: Path):
        self.popen, self.home, self.lines, self._lock = popen, home, [], threading.Lock()
        self.admin_url = ""
        self.serving_at = 0.0  # time.monotonic() when the printed URL first answered
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def read_to_the_end(self) -> str:
        """Everything printed, once the process has exited and its output is drained."""
        self._reader.join(timeout=10)
        return self.text()

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def admin_password(self) -> str:
        """The password `make run` printed for the admin user it created."""
        found = re.search(r"Created admin user 'admin' with password: (\S+)", self.text())
        assert found, f"make run printed no admin password:\n{self.text()}"
        return found.group(1)

    def environment(self) -> dict[str, str]:
        """What `make run` ran with: a management command run with it sees the same database."""
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home),
                "VAR_DIR": str(self.home / "var")}


def fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:  # follows the admin's redirect to its login
        return response.status


@contextmanager
def make_run_started(home: Path) -> Iterator[Terminal]:
    """`make run` started, serving, with its worker and beat up; stopped (Ctrl-C) on exit if still running."""
    if not port_is_free(8000):
        pytest.fail("port 8000 is taken on this machine; `make run` without PORT must be able to use it")
    # Nothing the suite's own environment sets (DATABASE_URL, REDIS_URL, MABOS_ENV, PORT ...) leaks in:
    # only where to find programs, and where to keep state so the developer's var/ is left alone.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "VAR_DIR": str(home / "var")}
    popen = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    terminal = Terminal(popen, home)
    try:
        def printed_url() -> str | None:
            assert popen.poll() is None, f"make run exited early:\n{terminal.text()}"
            found = re.search(r"admin:\s+(http://\S+/admin/)", terminal.text())
            return found.group(1) if found else None

        terminal.admin_url = wait_until(printed_url, timeout=240, interval=0.5,
                                        message="make run printing the admin URL")

        def answers() -> bool:
            assert popen.poll() is None, f"make run exited:\n{terminal.text()}"
            try:
                return fetch(terminal.admin_url) == 200
            except OSError:
                return False

        wait_until(answers, timeout=120, interval=0.5,
                   message=f"{terminal.admin_url} answering (terminal:\n{terminal.text()})")
        terminal.serving_at = time.monotonic()
        wait_until(lambda: "ready." in terminal.text() and "beat" in terminal.text(), timeout=60, interval=0.5,
                   message="the worker and beat starting")
        yield terminal
    finally:
        if popen.poll() is None:
            stop(popen)


def stop(popen: subprocess.Popen) -> None:
    """What Ctrl-C does: SIGINT to make and honcho (web, worker and beat run in sessions of their own and
    hear of it from honcho's SIGTERM)."""
    os.killpg(popen.pid, signal.SIGINT)
    try:
        popen.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait(timeout=10)
        raise


class LiveApi:
    """The API of a running `make run`, as the admin with a JWT: what a test reads to know what the browser
    should show (ids, statuses), never what it asserts the page shows."""

    def __init__(self, base: str, password: str):
        self.base = base.rstrip("/") + "/api/v1"
        self.token = self._call("POST", "/auth/token/", {"username": "admin", "password": password})["access"]

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def get(self, path: str) -> Any:
        return self._call("GET", path)
