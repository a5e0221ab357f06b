"""`make run` as a newcomer runs it: nothing set, open the URL it prints, read what the terminal shows, run the
docs' first conversation against it, press Ctrl-C."""

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
        self.admin_url = ""
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


BASE = "http://127.0.0.1:8000"
DOCS_BLOCK = re.compile(r"<!-- first-conversation:[^>]*-->\n```bash\n(.*?)\n```", re.S)


@pytest.fixture(scope="module")
def make_run(tmp_path_factory) -> Terminal:
    """One `make run` on a fresh clone's terms for the whole module: started, serving, worker and beat up."""
    if not port_is_free(8000):
        pytest.fail("port 8000 is taken on this machine; `make run` without PORT must be able to use it")
    home = tmp_path_factory.mktemp("make-run")
    # Nothing the suite's own environment sets (DATABASE_URL, REDIS_URL, MABOS_ENV, PORT ...) leaks in:
    # only where to find programs, and where to keep state so the developer's var/ is left alone.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "VAR_DIR": str(home / "var")}
    popen = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    terminal = Terminal(popen)
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
        wait_until(lambda: "ready." in terminal.text() and "beat" in terminal.text(), timeout=60, interval=0.5,
                   message="the worker and beat starting")
        yield terminal
    finally:
        if popen.poll() is None:
            stop(popen)


def test_make_run_with_nothing_set_serves_what_it_prints_and_keeps_the_terminal_quiet(make_run):
    assert make_run.admin_url == f"{BASE}/admin/"
    started = make_run.text()
    assert f"docs:    {BASE}/api/docs/" in started and fetch(f"{BASE}/api/docs/") == 200
    assert "manage.py changepassword admin" in started and "manage.py axes_reset_username" in started
    # A fresh database: one summary line, not one line per migration.
    assert re.search(r"database: applied \d+ migrations \(.*agents \d+", started), started
    assert "Applying " not in started
    started_quiet_window = len(make_run.lines)
    time.sleep(QUIET_WINDOW_SECONDS)  # observing an absence needs a window; nothing is waited for here
    after_start = "\n".join(make_run.lines[started_quiet_window:])
    noisy = [line for line in after_start.splitlines() if HOUSEKEEPING.search(line)]
    assert noisy == [], "periodic housekeeping fills the terminal:\n" + "\n".join(noisy)


def test_the_first_conversation_in_the_docs_runs_as_written(make_run, tmp_path):
    """docs/messaging.md's curl block, byte for byte, against this `make run`: the docs cannot go stale."""
    docs = DOCS_BLOCK.findall((REPO / "docs" / "messaging.md").read_text())
    readme = DOCS_BLOCK.findall((REPO / "README.md").read_text())
    assert len(docs) == 1 and readme == docs, "README.md and docs/messaging.md must show the same first conversation"
    password = re.search(r"Created admin user 'admin' with password: (\S+)", make_run.text()).group(1)
    script = tmp_path / "first.sh"
    script.write_text(docs[0] + "\n")
    done = subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ADMIN_PASSWORD": password})
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    # What the block's comments say each printing step prints.
    assert done.stdout.split() == ["acked", "dead", "pending", "acked", "acked"], done.stdout


def test_ctrl_c_stops_web_worker_and_beat_within_the_grace_period(make_run):
    stop(make_run.popen)
    printed = make_run.read_to_the_end()
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
