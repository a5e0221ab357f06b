"""Where this process writes its Prometheus multiprocess files, decided before prometheus_client loads.

prometheus_client chooses multiprocess mode when it is *imported*, from the
``PROMETHEUS_MULTIPROC_DIR`` environment variable, so this runs at the very
start of every process (``config/celery.py``, which ``config/__init__.py``
imports first). Nothing here imports prometheus_client before that variable
is set (``mabos.metrics.archive`` loads it only when it archives, afterwards).

Each *process group* gets its own subdirectory ``<METRICS_DIR>/<kind>-<pid>``:
a gunicorn master and its workers (``web``), a Celery worker and its children
(``worker``), beat (``beat``), or a one-off command (``cli``). Children inherit
the variable, so their per-pid files land in their group's directory.
``/metrics`` merges every group's files (``mabos.metrics.exposition``).

Counters never go backwards. When a group starts, the groups whose leading
process is gone are **archived**, not deleted: their counters, histograms and
summaries are added into ``<METRICS_DIR>/archive`` (their last-known
``mostrecent``/``max``/``min``/``sum`` gauges kept the same way), and only
their per-process "live" gauges are dropped, as prometheus_client's
``mark_process_dead`` intends. Without that, every deploy would make
Prometheus see a counter reset and fire rate-based alerts. The archive is one
set of files however many processes have come and gone, so a scrape does not
grow with uptime.

Archiving is crash-safe and never counts a group twice: it runs under an
exclusive lock on ``<METRICS_DIR>/.lock``, writes the new archive into a fresh
directory that also lists the ids of the groups it holds, and switches the
``archive`` symlink to it in one atomic rename; a dead group whose id is
already listed is only removed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from mabos.metrics.archive import ARCHIVE_LINK, GROUP_ID_FILE, archive_groups

ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"
KINDS = ("web", "worker", "beat", "cli")


def process_group(argv: Sequence[str]) -> str | None:
    """The kind of group this process *starts*, or None when it belongs to one it inherited."""
    program = os.path.basename(argv[0]) if argv else ""
    args = list(argv[1:])
    if "gunicorn" in program:
        return "web"
    if "celery" in program:
        if "worker" in args:
            return "worker"
        if "beat" in args:
            return "beat"
        return None  # celery inspect/call/...: a client, it counts nothing worth keeping
    return "cli"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _group_pid(folder: Path) -> int | None:
    """The leading pid of a group directory (``worker-123``), None for anything else."""
    kind, _, pid = folder.name.rpartition("-")
    if kind not in KINDS or not pid.isdigit() or not folder.is_dir():
        return None
    return int(pid)


def _dead_groups(root: Path) -> list[Path]:
    dead = []
    for folder in sorted(root.glob("*-*")):
        pid = _group_pid(folder)
        if pid is not None and pid != os.getpid() and not _alive(pid):
            dead.append(folder)
    return dead


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep_dead_groups(root: Path) -> list[Path]:
    """Archive, then remove, the directories of process groups that no longer run; return those removed.

    Never stops a process from starting: if archiving fails, the dead groups are left where they are
    (still counted by every scrape) and the next start tries again.
    """
    if not _dead_groups(root):
        return []
    with _locked(root):
        dead = _dead_groups(root)  # again, under the lock: another process may have archived them
        if not dead:
            return []
        try:
            archive_groups(root, dead)
        except Exception as exc:  # metrics must never keep a web node or a worker from starting
            print(f"[mabos] metrics of dead processes not archived yet ({type(exc).__name__}: {exc})",
                  file=sys.stderr)
            return []
        for folder in dead:
            shutil.rmtree(folder, ignore_errors=True)
    return dead


def _new_group_folder(root: Path, kind: str) -> Path:
    folder = root / f"{kind}-{os.getpid()}"
    if folder.exists():  # a reused pid: whatever is there belongs to a dead process
        with _locked(root):
            try:
                archive_groups(root, [folder])
            except Exception as exc:  # as in sweep_dead_groups: never block a start for metrics
                print(f"[mabos] metrics of a dead process with this pid dropped ({type(exc).__name__}: {exc})",
                      file=sys.stderr)
            shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / GROUP_ID_FILE).write_text(uuid.uuid4().hex)
    return folder


def prepare_metrics_dir(root: str | Path, argv: Sequence[str], environ: dict | None = None) -> Path | None:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at this process group's directory, creating it empty.

    A group leader (gunicorn master, celery worker or beat, a command) gets a
    fresh ``<kind>-<pid>`` directory. A process started by another MABOS process
    (a test's subprocess, ``manage.py`` run from a script) that already has a
    directory keeps writing there, unless it leads a group of its own.
    """
    environ = os.environ if environ is None else environ
    root = Path(root)
    kind = process_group(argv)
    inherited = environ.get(ENV_VAR)
    if kind in (None, "cli") and inherited and Path(inherited).is_dir():
        return Path(inherited)
    if kind is None:
        kind = "cli"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"{kind}-{os.getpid()}"
    # Set first: archiving dead groups imports prometheus_client, which reads the variable at import.
    environ[ENV_VAR] = str(folder)
    folder = _new_group_folder(root, kind)
    sweep_dead_groups(root)
    return folder


def group_files(root: str | Path) -> list[str]:
    """Every multiprocess file of every group under ``root``, and the archive of the dead ones."""
    root = Path(root)
    files = [path for path in root.glob("*-*/*.db") if _group_pid(path.parent) is not None]
    files += root.glob(f"{ARCHIVE_LINK}/*.db")
    return sorted(str(path) for path in files if _has_values(path))


def _has_values(path: Path) -> bool:
    """A file a process has just created is empty for a moment (prometheus_client sizes it next)."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False
