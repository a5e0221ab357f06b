"""Where each kind of process records configuration drift at start (mabos/config_drift/recording.py).

The web records it when its WSGI/ASGI application is built, a worker when it
is ready to consume, beat when its service starts, and ``manage.py`` after the
commands that change data (``DATA_COMMANDS``). The test suite imports none of
these entry points, so tests record drift only where they ask for it.
"""

from __future__ import annotations

from celery.signals import beat_init, worker_ready


def record_at_start(role: str) -> None:
    # Imported here, not at the top: config/celery.py imports this module before Django loads the apps,
    # and recording needs the models.
    from mabos.config_drift.recording import record_at_start as record

    record(role)

#: manage.py commands after which drift is recorded: they change data, and deploys run them.
DATA_COMMANDS = frozenset({"migrate", "seed_demo", "mabos_ensure_admin", "createsuperuser", "loaddata", "flush"})


@worker_ready.connect(weak=False)
def _worker_ready(**kwargs) -> None:
    record_at_start("worker")


@beat_init.connect(weak=False)
def _beat_init(**kwargs) -> None:
    record_at_start("beat")


def record_after_command(argv: list[str]) -> None:
    if len(argv) > 1 and argv[1] in DATA_COMMANDS:
        record_at_start("cli")
