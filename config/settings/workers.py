"""Celery settings (read by config/celery.py with the CELERY_ namespace)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kombu import Queue

from config.env import Config

QUEUES = ("messages", "reasoning", "actions", "learning", "default")
#: Tasks a pool process of a worker on the filesystem broker (development without Redis) takes at a time.
FILESYSTEM_PREFETCH_MULTIPLIER = 16


def celery_settings(config: Config) -> dict[str, Any]:
    """Reliable defaults: JSON only, ack after the work is done, requeue when a worker dies."""
    var_dir = Path(config.VAR_DIR)
    broker_url = config.CELERY_BROKER_URL or config.REDIS_URL
    if broker_url and not broker_url.startswith("filesystem"):
        transport_options: dict[str, Any] = {
            # Longer than any ETA/countdown we use, or Redis would redeliver a waiting task.
            "visibility_timeout": config.CELERY_VISIBILITY_TIMEOUT,
            "socket_connect_timeout": config.HEALTH_CHECK_TIMEOUT,
            "socket_timeout": max(config.HEALTH_CHECK_TIMEOUT, 5),
        }
        result_backend = config.REDIS_URL or broker_url
        prefetch = 1
    else:
        folder = var_dir / "broker"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (var_dir / "celery-results").mkdir(parents=True, exist_ok=True)
        broker_url = "filesystem://"
        transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),  # else kombu writes ./control in the cwd
            "store_processed": False,
        }
        result_backend = f"file://{var_dir / 'celery-results'}"
        # The filesystem transport has no way to wake a worker: it polls once a second, and takes no more than
        # the prefetch limit each time. At one task a pool process the worker ran at most about two tasks a
        # second, fewer than beat alone publishes (the queues only grew, and the sweeps of `make run` expired
        # unread). A worker holds these in memory until a process is free; it is development's only worker.
        prefetch = FILESYSTEM_PREFETCH_MULTIPLIER

    return {
        "CELERY_BROKER_URL": broker_url,
        "CELERY_BROKER_TRANSPORT_OPTIONS": transport_options,
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        # Never give up on the broker: a worker started before Redis, or outliving a Redis restart,
        # waits and reconnects instead of exiting (docs/operations.md, start-up order).
        "CELERY_BROKER_CONNECTION_MAX_RETRIES": None,
        "CELERY_RESULT_BACKEND": result_backend,
        "CELERY_RESULT_EXPIRES": 3600,
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_RESULT_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "CELERY_TASK_TIME_LIMIT": config.CELERY_TASK_TIME_LIMIT,
        "CELERY_TASK_SOFT_TIME_LIMIT": config.CELERY_TASK_SOFT_TIME_LIMIT,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": prefetch,
        "CELERY_TASK_QUEUES": [Queue(name) for name in QUEUES],
        "CELERY_TASK_DEFAULT_QUEUE": "default",
        "CELERY_TIMEZONE": "UTC",
        "CELERY_ENABLE_UTC": True,
        "CELERY_BEAT_SCHEDULE_FILENAME": str(var_dir / "celerybeat-schedule"),
        "CELERY_BEAT_SCHEDULE": {
            # Re-check the audit hash chain; the verdict feeds the audit_chain readiness check.
            "auditlog-verify-chain": {"task": "auditlog.verify_chain", "schedule": 3600.0},
            # One audit event per client and window of throttled refusals (mabos/api/refusals.py).
            "mabos-record-refusal-summaries": {"task": "mabos.record_refusal_summaries", "schedule": 60.0,
                                               "options": {"expires": 60}},
            # Lost wake-ups, expired leases and expired messages (docs/messaging.md).
            "agents-sweep-deliveries": {"task": "agents.sweep_deliveries",
                                        "schedule": config.MESSAGING_SWEEPER_INTERVAL_SECONDS,
                                        "options": {"queue": "messages",
                                                    "expires": config.MESSAGING_SWEEPER_INTERVAL_SECONDS}},
            # Action requests whose lease ran out or whose wake-up was lost (docs/actions.md).
            "agents-sweep-actions": {"task": "agents.sweep_actions",
                                     "schedule": config.ACTIONS_SWEEPER_INTERVAL_SECONDS,
                                     "options": {"queue": "actions",
                                                 "expires": config.ACTIONS_SWEEPER_INTERVAL_SECONDS}},
            # Lost reasoning wake-ups; active agents with work but no wake_at (docs/reasoning.md, the cycle).
            "agents-sweep-reasoning": {"task": "agents.sweep_reasoning",
                                       "schedule": config.REASONING_SWEEPER_INTERVAL_SECONDS,
                                       "options": {"queue": "reasoning",
                                                   "expires": config.REASONING_SWEEPER_INTERVAL_SECONDS}},
            # Approval requests past their deadline become expired (docs/protocols.md, Human approval gates).
            "agents-expire-approvals": {"task": "agents.expire_approvals", "schedule": 5.0,
                                        "options": {"queue": "reasoning", "expires": 5.0}},
            # Deadlines of interaction protocol runs: each waiting phase's timeout (docs/protocols.md). It lives
            # longer than its interval: on the filesystem broker (make run without Redis) a worker looks for
            # tasks once a second, in step with this entry, and a sweep that expired after one second was read
            # too late every time: no protocol deadline fired in make run. A few queued sweeps cost nothing.
            "agents-sweep-protocols": {"task": "agents.sweep_protocols", "schedule": 1.0,
                                       "options": {"queue": "reasoning", "expires": 5.0}},
            # Failure signals, restarts after their back-off, escalations (docs/supervision.md).
            "agents-check-supervision": {"task": "agents.check_supervision",
                                         "schedule": config.SUPERVISION_CHECK_SECONDS,
                                         "options": {"queue": "reasoning",
                                                     "expires": config.SUPERVISION_CHECK_SECONDS}},
            # New plan outcomes counted into the plans' statistics (docs/learning.md).
            "agents-learning-rollup": {"task": "agents.learning_rollup", "schedule": config.LEARNING_ROLLUP_SECONDS,
                                       "options": {"queue": "learning", "expires": config.LEARNING_ROLLUP_SECONDS}},
            # The simulated businesses' next day, when SIMULATION_ENABLED (docs/simulation.md).
            "agents-advance-simulations": {"task": "agents.advance_simulations",
                                           "schedule": config.SIMULATION_DAY_SECONDS,
                                           "options": {"queue": "default", "expires": config.SIMULATION_DAY_SECONDS}},
            # Trace rows past REASONING_TRACE_RETENTION_DAYS (docs/reasoning.md, "Intentions and the trace").
            "agents-prune-traces": {"task": "agents.prune_traces", "schedule": 3600.0,
                                    "options": {"expires": 3600}},
        },
        "CELERY_WORKER_HIJACK_ROOT_LOGGER": False,
        # Connection lifetime is Django's job (mabos/worker_connections.py), not Celery's fix-up.
        "CELERY_DB_REUSE_MAX": 10**9,
    }


def messaging_settings(config: Config) -> dict[str, Any]:
    """settings.MESSAGING: the delivery worker's knobs, read by agents.messaging.services.policy."""
    return {
        "BATCH_SIZE": config.MESSAGING_BATCH_SIZE,
        "LEASE_SECONDS": config.MESSAGING_LEASE_SECONDS,
        "ACK_TIMEOUT_SECONDS": config.MESSAGING_ACK_TIMEOUT_SECONDS,
        "MAX_ATTEMPTS": config.MESSAGING_MAX_ATTEMPTS,
        "BACKOFF_BASE_SECONDS": config.MESSAGING_BACKOFF_BASE_SECONDS,
        "BACKOFF_CAP_SECONDS": config.MESSAGING_BACKOFF_CAP_SECONDS,
        "SWEEPER_INTERVAL_SECONDS": config.MESSAGING_SWEEPER_INTERVAL_SECONDS,
        "WAKEUP_LINGER_SECONDS": config.MESSAGING_WAKEUP_LINGER_SECONDS,
        "MAX_RECIPIENTS": config.MESSAGING_MAX_RECIPIENTS,
        "MAX_BATCH": config.MESSAGING_MAX_BATCH,
        "PUBLISH_TIMEOUT_SECONDS": config.MESSAGING_PUBLISH_TIMEOUT_SECONDS,
        "BREAKER_FAIL_MAX": config.MESSAGING_BREAKER_FAIL_MAX,
        "BREAKER_RESET_SECONDS": config.MESSAGING_BREAKER_RESET_SECONDS,
    }


def actions_settings(config: Config) -> dict[str, Any]:
    """settings.ACTIONS: the action worker's knobs and the built-in actions' settings (agents/reasoning/actions/)."""
    names = ("MODULES", "MAX_ATTEMPTS", "BACKOFF_BASE_SECONDS", "BACKOFF_CAP_SECONDS", "LEASE_SECONDS",
             "SWEEPER_INTERVAL_SECONDS", "HTTP_ALLOWED_HOSTS", "HTTP_TIMEOUT_SECONDS", "HTTP_MAX_REPLY_BYTES",
             "BREAKER_FAIL_MAX", "BREAKER_RESET_SECONDS", "LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL",
             "LLM_TIMEOUT_SECONDS", "LLM_MAX_TOKENS", "LLM_PROMPT_PRICE_PER_1K", "LLM_COMPLETION_PRICE_PER_1K")
    return {name: getattr(config, f"ACTIONS_{name}") for name in names}


def reasoning_settings(config: Config) -> dict[str, Any]:
    """settings.REASONING: the reasoning knobs, read by the trace pruning and the cycle's drain."""
    return {
        "BATCH_SIZE": config.REASONING_BATCH_SIZE,
        "ROUND_SECONDS": config.REASONING_ROUND_SECONDS,
        "TRACE_RETENTION_DAYS": config.REASONING_TRACE_RETENTION_DAYS,
    }


def learning_settings(config: Config) -> dict[str, Any]:
    """settings.LEARNING: the roll-up's and the selection's knobs (agents/learning/)."""
    return {"ROLLUP_SECONDS": config.LEARNING_ROLLUP_SECONDS, "ROLLUP_BATCH": config.LEARNING_ROLLUP_BATCH,
            "HALF_LIFE_SECONDS": config.LEARNING_HALF_LIFE_SECONDS, "DEFAULT_POLICY": config.LEARNING_DEFAULT_POLICY}


def simulation_settings(config: Config) -> dict[str, Any]:
    """settings.SIMULATION: the simulated businesses' pace (agents/simulation/). SIMULATION_ENABLED is not here: it
    is a runtime setting, read through mabos.runtime_settings on every tick."""
    return {"DAY_SECONDS": config.SIMULATION_DAY_SECONDS}
