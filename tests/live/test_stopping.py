"""Ctrl-C on `make run`: web, worker, beat and the demo supplier stop within the grace period. Last in this folder: it ends the
`make run` the other modules share."""

from __future__ import annotations

import pytest

from tests.support.make_run import stop

pytestmark = pytest.mark.processes


@pytest.mark.stops_make_run
def test_ctrl_c_stops_every_process_within_the_grace_period(make_run):
    stop(make_run.popen)
    printed = make_run.read_to_the_end()
    stopping = printed[printed.index("SIGINT received"):]
    assert "SIGKILL" not in stopping, "a process outlasted the stop grace period:\n" + stopping
    for process in ("web", "worker", "beat", "supplier"):
        assert f"{process}.1 stopped" in stopping, stopping
