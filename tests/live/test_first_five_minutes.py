"""`make run` as a newcomer runs it: nothing set, open the URL it prints, read what the terminal shows, run the
docs' first conversation against it."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from tests.support.make_run import BASE, fetch
from tests.support.processes import REPO

pytestmark = pytest.mark.processes

#: Celery's per-task lines and beat's schedule lines: housekeeping a person should not have to read.
HOUSEKEEPING = re.compile(r"Task agents\.\w+\[|Sending due task|succeeded in \d")
#: Long enough for the delivery sweeper (every 5 s by default) to run at least twice.
QUIET_WINDOW_SECONDS = 12.0
DOCS_BLOCK = re.compile(r"<!-- first-conversation:[^>]*-->\n```bash\n(.*?)\n```", re.S)


def test_make_run_with_nothing_set_serves_what_it_prints_and_keeps_the_terminal_quiet(make_run):
    assert make_run.admin_url == f"{BASE}/admin/"
    started = make_run.text()
    assert f"docs:    {BASE}/api/docs/" in started and fetch(f"{BASE}/api/docs/") == 200
    assert "manage.py changepassword admin" in started and "manage.py axes_reset_username" in started
    # A fresh database: one summary line, not one line per migration.
    assert re.search(r"database: applied \d+ migrations \(.*agents \d+", started), started
    assert "Applying " not in started
    # The demo's external supplier runs beside web, worker and beat, through the API with a fresh key.
    assert re.search(r"external supplier Atlas Trading \(\S+\) answering through http://127.0.0.1:8000/api/v1",
                     started), started
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
    script = tmp_path / "first.sh"
    script.write_text(docs[0] + "\n")
    done = subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                               "ADMIN_PASSWORD": make_run.admin_password()})
    assert done.returncode == 0, (f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}\nmake run "
                                  f"({'running' if make_run.popen.poll() is None else 'exited'}), last lines:\n"
                                  + "\n".join(make_run.lines[-80:]))
    # What the block's comments say each printing step prints.
    assert done.stdout.split() == ["acked", "dead", "pending", "acked", "acked"], done.stdout
