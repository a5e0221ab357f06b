"""Gunicorn settings, from the same schema as everything else (`gunicorn -c config/gunicorn.py`)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["MABOS_PROCESS_ROLE"] = "web"  # pooled database connections

from config.env import load_config_or_exit

_config = load_config_or_exit()

wsgi_app = "config.wsgi:application"
bind = f"{_config.HOST}:{_config.PORT}"
workers = _config.WEB_CONCURRENCY
threads = _config.WEB_THREADS
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
