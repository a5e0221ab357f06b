"""DATABASES from the configuration: pooled for web, persistent for workers, SQLite for laptops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from environ import Env

from config.env import Config


def database_settings(config: Config, role: str) -> dict[str, Any]:
    """Build ``DATABASES['default']`` for one process role.

    Web processes share a psycopg pool between their threads. Workers fork, and
    a pool must not cross a fork, so they keep one persistent connection per
    child instead. Both check a connection's health before reusing it, so a
    connection killed under a running process costs at most the request in
    flight. The web's pool does it with ``mabos.resilience.connection_check``
    (backend ``mabos.database.postgresql``: Django's pool would send an
    empty query before every loan).
    """
    if not config.DATABASE_URL:
        return _sqlite_settings(config)

    db = Env.db_url_config(config.DATABASE_URL)
    options: dict[str, Any] = {
        "connect_timeout": config.DB_CONNECT_TIMEOUT,
        "application_name": f"mabos-{role}",
    }
    if config.DB_STATEMENT_TIMEOUT_MS:
        options["options"] = f"-c statement_timeout={config.DB_STATEMENT_TIMEOUT_MS}"
    db.update(CONN_HEALTH_CHECKS=True, OPTIONS=options, ATOMIC_REQUESTS=False)
    if role == "web":
        options["pool"] = {
            "min_size": config.DB_POOL_MIN_SIZE,
            "max_size": config.DB_POOL_MAX_SIZE,
            "timeout": config.DB_POOL_TIMEOUT,
        }
        if db["ENGINE"] == "django.db.backends.postgresql":
            db["ENGINE"] = "mabos.database.postgresql"  # Django's, with a pool whose check needs no round trip
        db["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime
    elif role == "worker":
        db["CONN_MAX_AGE"] = config.DB_CONN_MAX_AGE
    else:
        db["CONN_MAX_AGE"] = 0  # one-shot commands: nothing to keep
    db["TEST"] = {"NAME": f"test_{db['NAME']}"}
    return db


def _sqlite_settings(config: Config) -> dict[str, Any]:
    """Development only: WAL and immediate transactions let web, worker and beat share one file."""
    var_dir = Path(config.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(var_dir / "mabos.sqlite3"),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "timeout": config.SQLITE_BUSY_TIMEOUT,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }
