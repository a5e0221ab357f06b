"""Gunicorn settings, from the same schema as everything else (`gunicorn -c config/gunicorn.py`)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["MABOS_PROCESS_ROLE"] = "web"  # pooled database connections

from config.env import load_config_or_exit
from mabos.logging import gunicorn_logconfig

_config = load_config_or_exit()

wsgi_app = "config.wsgi:application"
bind = f"{_config.HOST}:{_config.PORT}"
workers = _config.WEB_CONCURRENCY
threads = _config.WEB_THREADS
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
# One line per request comes from mabos.http (with request id, route, status, duration) in LOG_FORMAT;
# gunicorn's own access log would repeat it without that context.
accesslog = None
errorlog = "-"
logconfig_dict = gunicorn_logconfig(log_format=_config.LOG_FORMAT, level=_config.LOG_LEVEL)
forwarded_allow_ips = "127.0.0.1"


def child_exit(server, worker) -> None:
    """A worker is gone: drop its live-gauge files (counters stay; prometheus_client multiprocess mode)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """Index the OpenAPI schema before the first request, so no caller pays the few hundred milliseconds it takes
    (mabos/api/operations.py: the query-parameter check and the browsable API's forms read it)."""
    from mabos.api.operations import operation

    operation("get", "/api/v1/")
