"""`manage.py mabos_config` says where each effective value comes from."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mabos.models import RuntimeOverride
from tests.support.processes import REPO, process_env


def _line(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(name + " "))


@pytest.mark.django_db(transaction=True)
def test_each_value_names_its_source_and_runtime_settings_are_marked(tmp_path):
    RuntimeOverride.objects.create(name="MESSAGING_MAX_ATTEMPTS", value=3)
    batch_file = tmp_path / "batch"
    batch_file.write_text("250\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "mabos_config"], cwd=REPO, capture_output=True, text=True, timeout=120,
        env=process_env(MESSAGING_MAX_ATTEMPTS="6", MESSAGING_BACKOFF_CAP_SECONDS="120",
                        MESSAGING_BATCH_SIZE_FILE=str(batch_file)))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert _line(out, "MESSAGING_MAX_ATTEMPTS").split() == [
        "MESSAGING_MAX_ATTEMPTS", "3", "[runtime", "override;", "environment:", "6]", "(runtime)"]
    assert _line(out, "MESSAGING_BACKOFF_CAP_SECONDS").endswith("120.0  [environment] (runtime)")
    assert _line(out, "MESSAGING_BATCH_SIZE").endswith(f"250  [file {batch_file}] (runtime)")
    assert _line(out, "MESSAGING_LEASE_SECONDS").endswith("30.0  [default]")
