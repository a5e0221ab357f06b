"""Rules the typed configuration must satisfy; production adds stricter ones.

Each problem names the variable, says what is wrong and gives an example of a
right value, because the operator reading it is mid-deployment.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from config.env.schema import SCHEMA, SCHEMA_BY_NAME, Config


def validate(config: Config) -> None:
    """Append to ``config.problems`` every rule the typed values break; production adds its own."""
    v, problems = config.values, config.problems
    for s in SCHEMA:
        value = v.get(s.name)
        if value is None:
            continue
        if s.choices and value not in s.choices:
            allowed = ", ".join(c for c in s.choices if c)
            problems.append(f"{s.name}={value!r} is not one of {allowed} (example: {s.name}={s.example}).")
        if s.minimum is not None and value < s.minimum:
            problems.append(f"{s.name}={value} is below the minimum {s.minimum:g} (example: {s.name}={s.example}).")

    for name, schemes in (("DATABASE_URL", ("postgres", "postgresql", "pgsql")),
                          ("REDIS_URL", ("redis", "rediss")),
                          ("CELERY_BROKER_URL", ("redis", "rediss", "filesystem"))):
        if v.get(name):
            problem = _url_problem(v[name], schemes)
            if problem:
                example = SCHEMA_BY_NAME[name].example
                problems.append(f"{name} {problem} (example: {name}={example}).")

    if _is_int(v.get("DB_POOL_MIN_SIZE")) and _is_int(v.get("DB_POOL_MAX_SIZE")) \
            and v["DB_POOL_MIN_SIZE"] > v["DB_POOL_MAX_SIZE"]:
        problems.append("DB_POOL_MIN_SIZE is larger than DB_POOL_MAX_SIZE (example: DB_POOL_MIN_SIZE=2).")
    for name in ("THROTTLE_USER_RATE", "THROTTLE_ANON_RATE", "THROTTLE_AUTH_RATE", "THROTTLE_AUTH_FAILURE_RATE"):
        if v.get(name) and not _is_rate(v[name]):
            problems.append(f"{name}={v[name]!r} is not a rate like 100/minute (example: {name}=300/hour).")
    if _is_int(v.get("CELERY_TASK_SOFT_TIME_LIMIT")) and _is_int(v.get("CELERY_TASK_TIME_LIMIT")) \
            and v["CELERY_TASK_SOFT_TIME_LIMIT"] >= v["CELERY_TASK_TIME_LIMIT"]:
        problems.append("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT "
                        "(example: CELERY_TASK_SOFT_TIME_LIMIT=240 with CELERY_TASK_TIME_LIMIT=300).")

    _validate_actions(v, problems)

    for entry in v.get("METRICS_ALLOWED_IPS") or []:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(f"METRICS_ALLOWED_IPS entry {entry!r} is not an IP address or network "
                            "(example: METRICS_ALLOWED_IPS=10.0.0.0/8,127.0.0.1).")

    keys = v.get("AUDIT_HMAC_KEYS")
    if config.is_production:
        _validate_production(config)
        if keys:
            short = [k for k, key in keys.items() if len(key) < 32]
            if short:
                problems.append(f"AUDIT_HMAC_KEYS has key(s) shorter than 32 characters: {', '.join(short)} "
                                "(example: AUDIT_HMAC_KEYS=2026a=<32+ random chars>).")


#: An entry of ACTIONS_HTTP_ALLOWED_HOSTS: host, host:port, *.domain, or [IPv6]:port.
_HOST_ENTRY = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$"
                         r"|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def _validate_actions(v: dict[str, Any], problems: list[str]) -> None:
    """The action worker's lease outlasts every call it may make, and ends before the task's soft limit."""
    lease = v.get("ACTIONS_LEASE_SECONDS")
    if isinstance(lease, int | float):
        for name in ("ACTIONS_HTTP_TIMEOUT_SECONDS", "ACTIONS_LLM_TIMEOUT_SECONDS"):
            timeout = v.get(name)
            if isinstance(timeout, int | float) and 2 * timeout >= lease:
                problems.append(f"ACTIONS_LEASE_SECONDS={lease:g} must be above twice {name}={timeout:g} (a call "
                                "may connect and read for that long; example: ACTIONS_LEASE_SECONDS=150).")
        soft = v.get("CELERY_TASK_SOFT_TIME_LIMIT")
        if _is_int(soft) and lease >= soft:
            problems.append(f"ACTIONS_LEASE_SECONDS={lease:g} must be below CELERY_TASK_SOFT_TIME_LIMIT={soft} "
                            "(example: ACTIONS_LEASE_SECONDS=150).")
    for entry in v.get("ACTIONS_HTTP_ALLOWED_HOSTS") or []:
        if not _HOST_ENTRY.match(entry):
            problems.append(f"ACTIONS_HTTP_ALLOWED_HOSTS entry {entry!r} is not host, host:port or *.domain "
                            "(example: ACTIONS_HTTP_ALLOWED_HOSTS=hooks.example.com,*.crm.example.com).")
    if v.get("ACTIONS_LLM_BASE_URL"):
        problem = _url_problem(v["ACTIONS_LLM_BASE_URL"], ("http", "https"))
        if problem:
            problems.append(f"ACTIONS_LLM_BASE_URL {problem} (example: ACTIONS_LLM_BASE_URL=https://api.openai.com/v1).")


def _validate_production(config: Config) -> None:
    v, problems = config.values, config.problems
    key = v.get("SECRET_KEY")
    if key is not None and _weak_secret(key):
        problems.append("SECRET_KEY is weak: it needs 50+ characters, 5+ distinct ones, and not a "
                        "development default (example: SECRET_KEY=$(python -c 'import secrets; "
                        "print(secrets.token_urlsafe(64))')).")
    for old in v.get("SECRET_KEY_FALLBACKS") or []:
        if _weak_secret(old):
            problems.append("SECRET_KEY_FALLBACKS holds a weak key; retire it or replace it with a strong one.")
            break
    if v.get("DEBUG"):
        problems.append("DEBUG is on in production: it leaks tracebacks and settings (example: DEBUG=false).")
    if v.get("ALLOWED_HOSTS") == []:
        problems.append("ALLOWED_HOSTS is empty in production (example: ALLOWED_HOSTS=mabos.example.com).")
    if v.get("AUDIT_HMAC_KEYS") and any(key.startswith("dev-insecure") for key in v["AUDIT_HMAC_KEYS"].values()):
        problems.append("AUDIT_HMAC_KEYS uses the development key in production.")
    jwt_keys = v.get("JWT_SIGNING_KEYS") or {}
    weak_jwt = [k for k, key in jwt_keys.items() if len(key) < 32 or key.startswith("dev-insecure")]
    if weak_jwt:
        problems.append(f"JWT_SIGNING_KEYS has weak or development key(s): {', '.join(weak_jwt)} "
                        "(example: JWT_SIGNING_KEYS=2026a=<32+ random chars>).")
    weak_peppers = [k for k, key in (v.get("AGENT_KEY_PEPPERS") or {}).items()
                    if len(key) < 32 or key.startswith("dev-insecure")]
    if weak_peppers:
        problems.append(f"AGENT_KEY_PEPPERS has weak or development pepper(s): {', '.join(weak_peppers)} "
                        "(example: AGENT_KEY_PEPPERS=2026a=<32+ random chars>).")
    for name in ("HEALTH_TOKEN", "METRICS_TOKEN"):
        token = v.get(name)
        if token and (len(token) < 32 or token.startswith("test-")):
            problems.append(f"{name} is too short or a test value; use 32+ random characters "
                            f"(example: {name}=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')).")


def _is_rate(text: str) -> bool:
    count, sep, period = text.partition("/")
    return bool(sep) and count.strip().isdigit() and period.strip().lower() in (
        "s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day")


def _weak_secret(key: str) -> bool:
    return (len(key) < 50 or len(set(key)) < 5 or key.startswith(("django-insecure", "dev-insecure")))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _url_problem(url: str, schemes: tuple[str, ...]) -> str | None:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError as exc:
        return f"is malformed ({exc})"
    if parts.scheme not in schemes:
        return f"has scheme {parts.scheme or '(none)'!r}; expected one of {', '.join(schemes)}"
    if parts.scheme == "filesystem":
        return None
    if not parts.hostname:
        return "has no host"
    if (parts.scheme.startswith("postg") or parts.scheme == "pgsql") and not parts.path.strip("/"):
        return "has no database name"
    return None
