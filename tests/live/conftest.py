"""One `make run` for the whole folder, on a fresh clone's terms: real gunicorn, Celery worker, beat and the
demo's external supplier.

The modules run in file-name order against it: the first five minutes (what the terminal prints, the docs'
first conversation), the living business in a browser, and last the stop (Ctrl-C), which ends it.

The browser tour saves a screenshot of each page it checks in ``SCREENSHOTS`` (``$MABOS_SCREENSHOTS`` or
var/screenshots/ of the checkout); the run's summary lists them, so CI's log says where they are, and
docs/screenshots/ is refreshed by hand from them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import chromium_start
from tests.support.make_run import Terminal, make_run_started
from tests.support.processes import REPO

SCREENSHOTS = Path(os.environ.get("MABOS_SCREENSHOTS", REPO / "var" / "screenshots"))


@pytest.fixture(scope="package")
def make_run(tmp_path_factory) -> Terminal:
    with make_run_started(tmp_path_factory.mktemp("make-run")) as terminal:
        yield terminal


@pytest.fixture(autouse=True)
def still_running(request, make_run):
    """Each test starts on a `make run` that still runs; if it has stopped, its last lines say why."""
    if request.node.get_closest_marker("stops_make_run") is None and make_run.popen.poll() is not None:
        pytest.fail(f"make run exited ({make_run.popen.returncode}) before this test:\n"
                    + "\n".join(make_run.lines[-80:]), pytrace=False)


@pytest.fixture(scope="package")
def chromium():
    with chromium_start() as browser:
        yield browser


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter) -> None:
    shots = sorted(SCREENSHOTS.glob("*.png")) if SCREENSHOTS.is_dir() else []
    if shots:
        terminalreporter.section("screenshots of the living business (tests/live)")
        for shot in shots:
            terminalreporter.write_line(str(shot))
