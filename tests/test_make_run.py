"""`make run` as a newcomer runs it: nothing set, open the URL it prints, read what the terminal shows."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from tests.support.polling import wait_until
from tests.support.processes import REPO

pytestmark = pytest.mark.processes

#: Celery's per-task lines and beat's schedule lines: housekeeping a person should not have to read.
HOUSEKEEPING = re.compile(r"Task agents\.\w+\[|Sending due task|succeeded in \d")
#: Long enough for the delivery sweeper (every 5 s by default) to run at least twice.
QUIET_WINDOW_SECONDS = 12.0


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

    def __init__(self, popen: subprocess.Popen):
        self.popen, self.lines, self._lock = popen, [], threading.Lock()
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


def fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:  # follows the admin's redirect to its login
        return response.status


def test_make_run_with_nothing_set_serves_what_it_prints_stays_quiet_and_stops_gracefully(tmp_path):
    if not port_is_free(8000):
        pytest.fail("port 8000 is taken on this machine; `make run` without PORT must be able to use it")
    # Nothing the suite's own environment sets (DATABASE_URL, REDIS_URL, MABOS_ENV, PORT ...) leaks in:
    # only where to find programs, and where to keep state so the developer's var/ is left alone.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "VAR_DIR": str(tmp_path / "var")}
    popen = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    terminal = Terminal(popen)
    try:
        def printed_url() -> str | None:
            assert popen.poll() is None, f"make run exited early:\n{terminal.text()}"
            found = re.search(r"admin:\s+(http://\S+/admin/)", terminal.text())
            return found.group(1) if found else None

        url = wait_until(printed_url, timeout=240, interval=0.5, message="make run printing the admin URL")
        assert url == "http://127.0.0.1:8000/admin/"
        started = terminal.text()
        assert "docs:    http://127.0.0.1:8000/api/docs/" in started
        assert "manage.py changepassword admin" in started and "manage.py axes_reset_username" in started
        # A fresh database: one summary line, not one line per migration.
        assert re.search(r"database: applied \d+ migrations \(.*agents \d+", started), started
        assert "Applying " not in started

        def answers() -> bool:
            assert popen.poll() is None, f"make run exited:\n{terminal.text()}"
            try:
                return fetch(url) == 200
            except OSError:
                return False

        wait_until(answers, timeout=120, interval=0.5, message=f"{url} answering (terminal:\n{terminal.text()})")
        assert fetch("http://127.0.0.1:8000/api/docs/") == 200
        wait_until(lambda: "ready." in terminal.text() and "beat" in terminal.text(), timeout=60, interval=0.5,
                   message="the worker and beat starting")
        started_quiet_window = len(terminal.lines)
        time.sleep(QUIET_WINDOW_SECONDS)  # observing an absence needs a window; nothing is waited for here
        after_start = "\n".join(terminal.lines[started_quiet_window:])
        noisy = [line for line in after_start.splitlines() if HOUSEKEEPING.search(line)]
        assert noisy == [], "periodic housekeeping fills the terminal:\n" + "\n".join(noisy)
    finally:
        stop(popen)
    printed = terminal.read_to_the_end()
    stopping = printed[printed.index("SIGINT received"):]
    assert "SIGKILL" not in stopping, "a process outlasted the stop grace period:\n" + stopping
    for process in ("web", "worker", "beat"):
        assert f"{process}.1 stopped" in stopping, stopping


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
