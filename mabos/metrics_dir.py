"""Where this process writes its Prometheus multiprocess files, decided before prometheus_client loads.

prometheus_client chooses multiprocess mode when it is *imported*, from the
``PROMETHEUS_MULTIPROC_DIR`` environment variable, so this runs at the very
start of every process (``config/celery.py``, which ``config/__init__.py``
imports first). It uses only the standard library for that reason.

Each *process group* gets its own subdirectory ``<METRICS_DIR>/<kind>-<pid>``:
a gunicorn master and its workers (``web``), a Celery worker and its children
(``worker``), beat (``beat``), or a one-off command (``cli``). Children inherit
the variable, so their per-pid files land in their group's directory. When a
group starts it removes the directories of groups whose leading process is
gone: that is the "wipe at start-up" multiprocess mode needs (stale files
from a previous run would otherwise be summed forever), without deleting the
live files of a worker that shares the machine. ``/metrics`` merges every
group's files (``mabos.metrics_exposition``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"


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


def sweep_dead_groups(root: Path) -> list[Path]:
    """Remove the directories of process groups that no longer run; return what was removed."""
    removed = []
    for folder in root.glob("*-*"):
        kind, _, pid = folder.name.rpartition("-")
        if not kind or not pid.isdigit() or not folder.is_dir():
            continue
        if int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


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
    sweep_dead_groups(root)
    folder = root / f"{kind}-{os.getpid()}"
    if folder.exists():  # a reused pid: whatever is there belongs to a dead process
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    environ[ENV_VAR] = str(folder)
    return folder


def group_files(root: str | Path) -> list[str]:
    """Every multiprocess file of every group under ``root``."""
    return sorted(str(path) for path in Path(root).glob("*-*/*.db"))
