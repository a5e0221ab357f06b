"""Which kind of process is this? It decides how database connections are managed."""

from __future__ import annotations

import os
from collections.abc import Sequence


def detect_process_role(configured: str, argv: Sequence[str]) -> str:
    """An explicit MABOS_PROCESS_ROLE wins; otherwise guess from the command line.

    Celery's prefork children inherit the parent's pool objects after fork,
    which breaks psycopg pools, so anything started by ``celery`` is a worker.
    """
    if configured:
        return configured
    program = os.path.basename(argv[0]) if argv else ""
    if "celery" in program:
        return "worker"
    if "gunicorn" in program or "uvicorn" in program:
        return "web"
    if program == "manage.py" and len(argv) > 1 and argv[1] == "runserver":
        return "web"
    return "cli"
