"""`honcho start`, stopping the way a process manager should: SIGTERM to each process, SIGKILL to its group.

Two things in honcho 2.0 (pinned in requirements.txt) turn every Ctrl-C into a killed worker:

- it sends SIGTERM to each process's whole *group*. A Celery worker's prefork children are in that group,
  so they die under the task they run instead of finishing it; the worker's warm shutdown then waits for
  children that are gone, and hangs;
- it SIGKILLs whatever still runs 5 s later (`honcho.manager.KILL_WAIT`), shorter than a warm shutdown
  with a batch of deliveries or reasoning cycles in hand.

Here SIGTERM goes to each process itself (gunicorn's master, Celery's worker and beat each stop their own
children: the same as systemd's KillMode=mixed), and SIGKILL to the group only after `--grace` seconds
(default 30; the Makefile's STOP_GRACE). Nothing is lost even on a kill (every claim is a lease that is
re-claimed), but a stop that needs one is not graceful. tests/live/test_stopping.py stops `make run` and
asserts that no SIGKILL was sent.

``--also FILE`` adds the processes of a second Procfile: `make run` adds Procfile.demo (the demo's external
supplier) to the Procfile's web, worker and beat, which are what a deployment runs.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import tempfile
from pathlib import Path

import honcho.command
import honcho.compat
import honcho.manager

DEFAULT_GRACE_SECONDS = 30


class TerminateTheProcess(honcho.compat.ProcessManager):
    """SIGTERM to the process (it stops its own children); SIGKILL, after the grace, still to the group."""

    def terminate(self, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ESRCH):
                raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grace", type=int, default=DEFAULT_GRACE_SECONDS,
                        help="seconds between SIGTERM and SIGKILL on stop")
    parser.add_argument("-f", "--procfile", default="Procfile")
    parser.add_argument("--also", action="append", default=[], help="another Procfile whose processes run too")
    args, honcho_args = parser.parse_known_args()
    if not (hasattr(honcho.manager, "KILL_WAIT") and hasattr(honcho.manager, "ProcessManager")):
        raise SystemExit("honcho.manager has changed: this honcho is not the version pinned in requirements.txt")
    honcho.manager.KILL_WAIT = args.grace
    honcho.manager.ProcessManager = TerminateTheProcess
    procfile = Path(args.procfile).resolve()
    with tempfile.NamedTemporaryFile("w", prefix="Procfile.", suffix=".run") as combined:
        combined.write("\n".join(Path(name).read_text().strip() for name in (procfile, *args.also)) + "\n")
        combined.flush()
        # The app root stays the Procfile's folder, where the processes' commands expect to run.
        honcho.command.main(["start", "-f", combined.name, "-d", str(procfile.parent), *honcho_args])


if __name__ == "__main__":
    main()
