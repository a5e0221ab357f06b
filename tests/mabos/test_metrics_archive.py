"""Counters never go backwards: a dead process group's metrics are archived, never deleted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector

from config.celery import app
from mabos.metrics.archive import GROUP_ID_FILE, archive_groups, archived_group_ids
from mabos.metrics.directory import group_files, sweep_dead_groups
from mabos.metrics.exposition import GroupFilesCollector
from mabos.tasks import ping
from tests.support.polling import wait_until
from tests.support.processes import BIN, Process, process_env

KEY = mmap_key("mabos_test_total", "mabos_test_total", ["kind"], ["a"], "A test counter.")
GAUGE_KEY = mmap_key("mabos_test_gauge", "mabos_test_gauge", [], [], "A test gauge.")


def dead_pid() -> int:
    """The pid of a process that has exited (so the group it led is dead)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write(path: Path, key: str, value: float, timestamp: float = 0.0) -> None:
    store = MmapedDict(str(path))
    store.write_value(key, value, timestamp)
    store.close()


def dead_group(root: Path, counted: float, *, kind: str = "worker", group_id: str | None = None) -> Path:
    pid = dead_pid()
    folder = root / f"{kind}-{pid}"
    folder.mkdir(parents=True)
    (folder / GROUP_ID_FILE).write_text(group_id or f"id-{pid}-{counted}")
    write(folder / f"counter_{pid}.db", KEY, counted)
    write(folder / f"gauge_livesum_{pid}.db", GAUGE_KEY, 7.0)
    return folder


def total(root: Path, name: str = "mabos_test_total") -> float:
    for metric in MultiProcessCollector.merge(group_files(root), accumulate=True):
        for sample in metric.samples:
            if sample.name == name:
                return sample.value
    return 0.0


def test_dead_groups_are_added_to_the_archive_and_their_live_gauges_dropped(tmp_path):
    first, second = dead_group(tmp_path, 30.0), dead_group(tmp_path, 12.0)
    assert total(tmp_path) == 42.0
    assert sorted(sweep_dead_groups(tmp_path)) == sorted([first, second])
    assert not first.exists() and not second.exists()
    assert total(tmp_path) == 42.0
    assert total(tmp_path, "mabos_test_gauge") == 0.0  # a dead process's live gauge dies with it

    third = dead_group(tmp_path, 8.0)
    sweep_dead_groups(tmp_path)
    assert not third.exists()
    assert total(tmp_path) == 50.0
    # One archive however many groups came and went.
    assert [Path(f).name for f in group_files(tmp_path)] == ["counter_archive.db"]


def test_a_crash_between_archiving_and_removing_never_counts_a_group_twice(tmp_path):
    folder = dead_group(tmp_path, 5.0)
    archive_groups(tmp_path, [folder])  # ... and the process dies before removing the folder
    assert folder.exists()
    sweep_dead_groups(tmp_path)
    assert not folder.exists()
    assert total(tmp_path) == 5.0


def test_a_reused_pid_is_a_new_group(tmp_path):
    folder = dead_group(tmp_path, 5.0, group_id="first-life")
    archive_groups(tmp_path, [folder])
    # The same directory name again, for a later process that happened to get the same pid.
    (folder / GROUP_ID_FILE).write_text("second-life")
    write(next(folder.glob("counter_*.db")), KEY, 3.0)
    sweep_dead_groups(tmp_path)
    assert total(tmp_path) == 8.0
    # Only ids of groups still on disk when the archive was written are kept: "first-life" is forgotten.
    assert archived_group_ids(tmp_path) == {"second-life"}


def test_mostrecent_gauges_keep_the_newest_value(tmp_path):
    old, new = dead_group(tmp_path, 1.0), dead_group(tmp_path, 1.0)
    write(old / "gauge_mostrecent_1.db", GAUGE_KEY, 0.0, timestamp=100.0)
    write(new / "gauge_mostrecent_2.db", GAUGE_KEY, 1.0, timestamp=200.0)
    sweep_dead_groups(tmp_path)
    assert total(tmp_path, "mabos_test_gauge") == 1.0


def durations(root: Path) -> float:
    """What a scrape of /metrics reads (the same collector), for mabos.ping's task count."""
    for metric in GroupFilesCollector(str(root)).collect():
        for sample in metric.samples:
            if sample.name == "mabos_task_duration_seconds_count" and sample.labels.get("task") == "mabos.ping":
                return sample.value
    return 0.0


def worker(tmp_path: Path, name: str, metrics_dir: Path) -> Process:
    return Process([str(BIN / "celery"), "-A", "config", "worker", "--loglevel=WARNING", f"--hostname={name}@%h",
                    "--queues=metrics-archive-test", "--concurrency=1", "--without-gossip", "--without-mingle",
                    "--without-heartbeat"],
                   process_env(MABOS_PROCESS_ROLE="worker", METRICS_DIR=str(metrics_dir)),
                   tmp_path / f"{name}.log").start()


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_counters_stay_monotonic_across_a_worker_exit_and_the_next_start(tmp_path):
    metrics_dir = tmp_path / "metrics"
    seen: list[float] = []

    def pings(count: int) -> None:
        for _ in range(count):
            assert ping.apply_async(queue="metrics-archive-test").get(timeout=30) == {"pong": True}
            seen.append(durations(metrics_dir))

    first = worker(tmp_path, "first", metrics_dir)
    try:
        pings(3)
    finally:
        first.stop()
    seen.append(durations(metrics_dir))
    assert seen[-1] == 3

    second = worker(tmp_path, "second", metrics_dir)  # starting sweeps the first worker's dead group
    try:
        wait_until(lambda: not (metrics_dir / f"worker-{first.popen.pid}").exists(), timeout=60, interval=0.2,
                   message=f"the dead group archived (log: {second.output()})")
        seen.append(durations(metrics_dir))
        pings(2)
    finally:
        second.stop()
    seen.append(durations(metrics_dir))
    assert seen[-1] == 5
    assert seen == sorted(seen), f"a counter went backwards: {seen}"
    assert app.conf.task_default_queue == "default"  # the test's own queue left the defaults alone


def test_an_empty_file_of_a_process_killed_at_birth_neither_blocks_nor_breaks_the_archive(tmp_path):
    folder = dead_group(tmp_path, 4.0)
    (folder / "histogram_1.db").write_bytes(b"")  # created, then killed before prometheus_client sized it
    assert sweep_dead_groups(tmp_path) == [folder]
    assert total(tmp_path) == 4.0


def test_a_failing_archive_leaves_the_dead_group_counted_and_lets_the_process_start(tmp_path, monkeypatch):
    from mabos.metrics import directory

    folder = dead_group(tmp_path, 6.0)

    def broken(root, folders):
        raise OSError("disk full")

    monkeypatch.setattr(directory, "archive_groups", broken)
    assert sweep_dead_groups(tmp_path) == []
    assert folder.exists() and total(tmp_path) == 6.0
