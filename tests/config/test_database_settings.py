"""Which connection handling applies is decided by the process role."""

from __future__ import annotations

import pytest
from django.db import connection

from config.env import load_config
from config.settings.cache import cache_settings
from config.settings.database import database_settings
from config.settings.process import detect_process_role
from config.settings.workers import celery_settings

PG = {"MABOS_ENV": "test", "DATABASE_URL": "postgres://u:p@db:5432/mabos", "REDIS_URL": "redis://r:6379/0",
      "DB_POOL_MIN_SIZE": "3", "DB_POOL_MAX_SIZE": "7", "DB_POOL_TIMEOUT": "4.5", "DB_STATEMENT_TIMEOUT_MS": "1234"}


def test_web_processes_use_the_psycopg_pool_with_health_checks():
    db = database_settings(load_config(PG), "web")
    assert db["OPTIONS"]["pool"] == {"min_size": 3, "max_size": 7, "timeout": 4.5}
    assert db["ENGINE"] == "mabos.database.postgresql"  # its pool checks with pool_check, without a round trip
    assert db["CONN_MAX_AGE"] == 0
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["options"] == "-c statement_timeout=1234"
    assert db["OPTIONS"]["application_name"] == "mabos-web"


def test_workers_use_persistent_connections_without_a_pool():
    db = database_settings(load_config({**PG, "DB_CONN_MAX_AGE": "90"}), "worker")
    assert "pool" not in db["OPTIONS"]
    assert db["CONN_MAX_AGE"] == 90
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["application_name"] == "mabos-worker"


def test_statement_timeout_zero_disables_it():
    assert "options" not in database_settings(load_config({**PG, "DB_STATEMENT_TIMEOUT_MS": "0"}), "cli")["OPTIONS"]


def test_development_without_database_url_uses_sqlite_wal_under_var(tmp_path):
    db = database_settings(load_config({"VAR_DIR": str(tmp_path)}), "web")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "mabos.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] == 20


@pytest.mark.parametrize(("configured", "argv", "role"), [
    ("", ["/venv/bin/celery", "-A", "config", "worker"], "worker"),
    ("", ["/venv/bin/gunicorn", "config.wsgi"], "web"),
    ("", ["manage.py", "runserver"], "web"),
    ("", ["manage.py", "migrate"], "cli"),
    ("", ["/venv/bin/pytest"], "cli"),
    ("worker", ["/venv/bin/gunicorn"], "worker"),
])
def test_process_role_detection(configured, argv, role):
    assert detect_process_role(configured, argv) == role


def test_cache_is_redis_when_configured_and_shared_database_cache_otherwise(tmp_path):
    assert cache_settings(load_config(PG))["BACKEND"].endswith("RedisCache")
    assert cache_settings(load_config({"VAR_DIR": str(tmp_path)}))["BACKEND"].endswith("DatabaseCache")


def test_celery_without_redis_uses_the_filesystem_transport_under_var(tmp_path):
    conf = celery_settings(load_config({"VAR_DIR": str(tmp_path)}))
    assert conf["CELERY_BROKER_URL"] == "filesystem://"
    assert conf["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"].startswith(str(tmp_path))
    # it polls once a second: a worker that took one task a process at a time fell behind beat alone
    assert conf["CELERY_WORKER_PREFETCH_MULTIPLIER"] >= 8
    assert (tmp_path / "broker" / "queue").is_dir()


def test_celery_reliability_settings():
    conf = celery_settings(load_config(PG))
    assert conf["CELERY_ACCEPT_CONTENT"] == ["json"]
    assert conf["CELERY_TASK_SERIALIZER"] == "json"
    assert conf["CELERY_TASK_ACKS_LATE"] is True
    assert conf["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
    assert conf["CELERY_WORKER_PREFETCH_MULTIPLIER"] == 1  # on Redis: a task at a time, fair across workers
    assert conf["CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP"] is True
    assert conf["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] >= conf["CELERY_TASK_TIME_LIMIT"]
    assert {q.name for q in conf["CELERY_TASK_QUEUES"]} == {"messages", "reasoning", "actions", "learning", "default"}


@pytest.mark.django_db
def test_the_running_connection_has_the_configured_statement_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()[0]
    assert shown == f"{settings.MABOS_CONFIG.DB_STATEMENT_TIMEOUT_MS // 1000}s"
