"""The bench's CPU accounting counts its own processes only, not other test runs' on the same machine."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from scripts.bench import cpu
from tests.support.polling import wait_until

SPIN = "import sys, time\nend = time.time() + 30\nwhile time.time() < end: pass"


def _spinner(run_dir: str) -> subprocess.Popen:
    """A busy process that looks like a gunicorn worker (its command line names gunicorn)."""
    env = {**os.environ, "MABOS_TEST_RUN_DIR": run_dir}
    return subprocess.Popen([sys.executable, "-c", SPIN, "gunicorn"], env=env)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="CPU accounting reads /proc")
def test_cpu_snapshot_charges_only_this_benchs_processes(monkeypatch, tmp_path):
    monkeypatch.setenv("MABOS_TEST_RUN_DIR", str(tmp_path / "ours"))
    ours, theirs = _spinner(str(tmp_path / "ours")), _spinner(str(tmp_path / "another-run"))
    try:
        wait_until(lambda: ours.pid in cpu.snapshot(), timeout=10, message="our gunicorn-like process seen")
        snap = cpu.snapshot()
        assert snap[ours.pid][0] == "web"
        assert theirs.pid not in snap  # another run's gunicorn is not this bench's web tier
        postmaster = cpu._postmaster()
        assert postmaster is not None and snap[postmaster][0] == "postgres"  # this run's PostgreSQL
    finally:
        for p in (ours, theirs):
            p.kill()
            p.wait()
