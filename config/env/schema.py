"""The one configuration schema of MABOS: every setting, declared once.

Every setting an operator may set is declared here once, with its type, its
default per environment and a one-line description. Settings, the
``mabos_config`` command and ``docs/configuration.md`` are all derived from
this list, so they cannot drift apart. ``Config`` is what reading them gives:
the typed values, where each came from, and the problems found
(``config.env.loading`` fills it, ``config.env.validation`` judges it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: The repository root (this file is config/env/schema.py).
BASE_DIR = Path(__file__).resolve().parent.parent.parent

ENVIRONMENTS = ("development", "test", "production")
PROCESS_ROLES = ("web", "worker", "cli")

#: Marks a value that has no default in that environment: it must be set.
REQUIRED = object()

# Defaults that are fine on a laptop and in the test suite, and refused in
# production by the validation below.
_DEV_SECRET = "dev-insecure-" + "m" * 50
_DEV_AUDIT_KEYS = "dev=dev-insecure-audit-key-" + "a" * 32
_DEV_JWT_KEYS = "dev=dev-insecure-jwt-key-" + "j" * 40


@dataclass(frozen=True)
class Setting:
    name: str
    cast: str  # str | bool | int | float | list | dict | url
    doc: str
    example: str
    development: Any = None
    test: Any = None
    production: Any = None
    secret: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    #: An operator may override it while the system runs (admin, API ``settings/``); see mabos/runtime_settings/.
    runtime: bool = False

    def default_for(self, env_name: str) -> Any:
        return getattr(self, env_name)


def _s(name: str, cast: str, doc: str, example: str, default: Any = None, **kw: Any) -> Setting:
    """Declare a setting whose default is the same in every environment unless overridden."""
    per_env = {env_name: kw.pop(env_name, default) for env_name in ENVIRONMENTS}
    return Setting(name=name, cast=cast, doc=doc, example=example, **per_env, **kw)


SCHEMA: tuple[Setting, ...] = (
    # --- core -------------------------------------------------------------
    _s("MABOS_ENV", "str", "Which environment this is; production turns on every safety check.",
       "production", "development", choices=ENVIRONMENTS),
    _s("MABOS_PROCESS_ROLE", "str",
       "web (pooled DB connections), worker (persistent connections) or cli; empty: detect from the command.",
       "worker", "", choices=("", *PROCESS_ROLES)),
    _s("SECRET_KEY", "str", "Django's signing key: at least 50 characters, 5 distinct, random.",
       "a 50+ character random string", _DEV_SECRET, production=REQUIRED, secret=True),
    _s("SECRET_KEY_FALLBACKS", "list",
       "Previous SECRET_KEYs still accepted for verification, so a key can rotate without logging users out.",
       "old-key-1,old-key-2", [], secret=True),
    _s("DEBUG", "bool", "Django debug mode; must be off in production.", "false",
       False, development=True),
    _s("ALLOWED_HOSTS", "list", "Host names this site answers to.", "mabos.example.com,api.example.com",
       ["127.0.0.1", "localhost", "[::1]"], test=["testserver", "127.0.0.1", "localhost"],
       production=REQUIRED),
    _s("CSRF_TRUSTED_ORIGINS", "list", "Origins trusted for unsafe requests (https://host).",
       "https://mabos.example.com", []),
    _s("VAR_DIR", "str", "Directory for local state: SQLite database, file broker, beat schedule.",
       "/srv/mabos/var", str(BASE_DIR / "var")),
    # --- database ---------------------------------------------------------
    _s("DATABASE_URL", "url",
       "PostgreSQL URL; unset outside production means SQLite under VAR_DIR (the test suite refuses to run on it).",
       "postgres://mabos:secret@db.internal:5432/mabos", None, production=REQUIRED, secret=True),
    _s("DB_POOL_MIN_SIZE", "int", "Web processes: connections the psycopg pool keeps open.", "2", 2, minimum=0),
    _s("DB_POOL_MAX_SIZE", "int", "Web processes: most connections the psycopg pool opens.", "10", 10, minimum=1),
    _s("DB_POOL_TIMEOUT", "float", "Web processes: seconds to wait for a pooled connection before failing.",
       "10", 10.0, minimum=0.1),
    _s("DB_CONN_MAX_AGE", "int", "Workers: seconds a persistent connection is reused (0 closes it after each task).",
       "600", 600, minimum=0),
    _s("DB_CONNECT_TIMEOUT", "int", "Seconds to wait when opening a database connection.", "5", 5, minimum=1),
    _s("DB_STATEMENT_TIMEOUT_MS", "int", "PostgreSQL statement_timeout in milliseconds (0 disables it).",
       "30000", 30000, minimum=0),
    _s("SQLITE_BUSY_TIMEOUT", "int", "Development SQLite: seconds a writer waits for the lock.", "20", 20, minimum=1),
    # --- redis, cache, celery ------------------------------------------------
    _s("REDIS_URL", "url", "Redis for cache, throttles and the Celery broker; unset in development means "
       "database cache and a filesystem broker.", "redis://redis.internal:6379/0", None,
       production=REQUIRED, secret=True),
    _s("CELERY_BROKER_URL", "url", "Celery broker; defaults to REDIS_URL, else the filesystem transport.",
       "redis://redis.internal:6379/1", None, secret=True),
    _s("CELERY_TASK_TIME_LIMIT", "int", "Hard time limit of a task, in seconds.", "300", 300, minimum=1),
    _s("CELERY_TASK_SOFT_TIME_LIMIT", "int", "Soft time limit of a task, in seconds (below the hard one).",
       "240", 240, minimum=1),
    _s("CELERY_VISIBILITY_TIMEOUT", "int",
       "Redis broker: seconds before an unacked task is redelivered; longer than any ETA or countdown.",
       "43200", 43200, minimum=60),
    # --- web process ----------------------------------------------------------
    _s("HOST", "str", "Address the web server binds to.", "0.0.0.0", "127.0.0.1"),  # noqa: S104 (an example)
    _s("PORT", "int", "Port the web server listens on.", "8000", 8000, minimum=1),
    _s("WEB_CONCURRENCY", "int", "Gunicorn worker processes.", "4", 2, minimum=1),
    _s("WEB_THREADS", "int", "Threads per gunicorn worker (gthread).", "8", 4, minimum=1),
    _s("TRUSTED_PROXY_COUNT", "int",
       "Reverse proxies in front of MABOS that append to X-Forwarded-For; 0 trusts none (REMOTE_ADDR is the client).",
       "1", 0, minimum=0),
    # --- security: HTTPS, cookies, request limits ---------------------------------
    _s("SECURE_SSL_REDIRECT", "bool", "Redirect plain HTTP to HTTPS (health checks are exempt).", "true",
       False, production=True),
    _s("SECURE_HSTS_SECONDS", "int", "Strict-Transport-Security max-age; one year in production, 0 disables it.",
       "31536000", 0, production=31536000, minimum=0),
    _s("SECURE_HSTS_PRELOAD", "bool", "Ask browsers to preload HSTS (only once every subdomain serves HTTPS).",
       "true", False, production=True),
    _s("SECURE_PROXY_SSL_HEADER", "str",
       "Header a trusted TLS-terminating proxy sets to 'https' (META name); empty: trust no such header.",
       "HTTP_X_FORWARDED_PROTO", ""),
    _s("DATA_UPLOAD_MAX_MEMORY_SIZE", "int", "Largest request body in bytes; bigger requests get 413.",
       "1048576", 1048576, minimum=1024),
    # --- API: pagination and throttles ----------------------------------------------
    _s("API_PAGE_SIZE", "int", "Default page size of API lists.", "50", 50, minimum=1),
    _s("API_MAX_PAGE_SIZE", "int", "Largest page size a client may ask for with ?page_size=.", "200", 200,
       minimum=1),
    _s("THROTTLE_USER_RATE", "str", "Requests per authenticated user (n/second|minute|hour|day).",
       "3000/hour", "3000/hour"),
    _s("THROTTLE_ANON_RATE", "str", "Requests per anonymous client IP.", "300/hour", "300/hour"),
    _s("THROTTLE_AUTH_RATE", "str", "Requests per client IP to the auth endpoints (token, refresh).",
       "30/minute", "30/minute"),
    _s("THROTTLE_AUTH_FAILURE_RATE", "str",
       "Refused credentials (JWT, agent key) per client IP: the first n are audited one by one; past them the IP "
       "gets 429 before authentication until the window ends, and one summary event counts the rest.",
       "20/minute", "20/minute"),
    # --- authentication: JWT, lockout --------------------------------------------
    _s("JWT_SIGNING_KEYS", "dict",
       "JWT HMAC keys as id=key pairs; the last one signs (its id is the token's kid), all verify.",
       "2026a=<32+ random chars>,2026b=<32+ random chars>", _DEV_JWT_KEYS, production=REQUIRED, secret=True),
    _s("JWT_ACCESS_LIFETIME_MINUTES", "int", "Lifetime of an API access token, in minutes.", "30", 30,
       minimum=1),
    _s("JWT_REFRESH_LIFETIME_DAYS", "int", "Lifetime of an API refresh token (one session), in days.", "7", 7,
       minimum=1),
    _s("JWT_ISSUER", "str", "The iss claim MABOS puts in its tokens and requires back.", "https://mabos.example.com",
       "mabos"),
    _s("JWT_AUDIENCE", "str", "The aud claim MABOS puts in its tokens and requires back.", "mabos-api",
       "mabos-api"),
    _s("AXES_FAILURE_LIMIT", "int", "Failed logins per username + IP before a lockout.", "5", 5, minimum=1),
    _s("AXES_COOLOFF_MINUTES", "int", "Minutes a lockout lasts.", "15", 15, minimum=1),
    # --- messaging (docs/messaging.md) ------------------------------------------------
    _s("MESSAGING_BATCH_SIZE", "int", "Deliveries the worker claims per batch (one SKIP LOCKED query, one commit).",
       "500", 500, minimum=1, runtime=True),
    _s("MESSAGING_LEASE_SECONDS", "float",
       "Seconds a worker holds claimed deliveries; after that the sweeper hands them to another worker.",
       "30", 30.0, minimum=0.5),
    _s("MESSAGING_ACK_TIMEOUT_SECONDS", "float",
       "Seconds an external agent has to ack a delivered message before it goes back to pending.",
       "300", 300.0, minimum=1, runtime=True),
    _s("MESSAGING_MAX_ATTEMPTS", "int", "Delivery attempts before a delivery is dead-lettered.", "8", 8,
       minimum=1, runtime=True),
    _s("MESSAGING_BACKOFF_BASE_SECONDS", "float", "First retry delay; it doubles per attempt (with full jitter).",
       "1", 1.0, minimum=0, runtime=True),
    _s("MESSAGING_BACKOFF_CAP_SECONDS", "float", "Longest retry delay.", "300", 300.0, minimum=0, runtime=True),
    _s("MESSAGING_WAKEUP_LINGER_SECONDS", "float",
       "How long a woken delivery task waits before taking its wake-up, so the sends of that moment share one "
       "task (more throughput per worker) at the cost of that much latency; 0 takes it at once.", "0.01", 0.01,
       minimum=0, runtime=True),
    _s("MESSAGING_SWEEPER_INTERVAL_SECONDS", "float",
       "Beat interval of the sweeper (lost wake-ups, expired leases, expired messages).", "5", 5.0, minimum=0.2),
    _s("MESSAGING_MAX_RECIPIENTS", "int", "Most recipients one message may fan out to.", "5000", 5000, minimum=1),
    _s("MESSAGING_MAX_BATCH", "int",
       "Most messages one batch send (POST /api/v1/messages/batch/, message_send_batch) may carry.", "500", 500,
       minimum=1),
    _s("MESSAGING_PUBLISH_TIMEOUT_SECONDS", "float",
       "Socket timeout of the wake-up publish, so a dead or hung Redis cannot stall a send.", "0.25", 0.25,
       minimum=0.01),
    _s("MESSAGING_BREAKER_FAIL_MAX", "int", "Failed wake-up publishes in a row that open the broker breaker.",
       "5", 5, minimum=1),
    _s("MESSAGING_BREAKER_RESET_SECONDS", "float", "Seconds the broker breaker stays open before a trial publish.",
       "10", 10.0, minimum=0.1),
    # --- reasoning: the cycle (docs/reasoning.md) ----------------------------------
    _s("REASONING_BATCH_SIZE", "int", "Agents a reasoning worker claims per batch (one SKIP LOCKED query, one "
       "cycle each, one commit).", "100", 100, minimum=1),
    _s("REASONING_ROUND_SECONDS", "float", "How long a woken reasoning task keeps running batches before it hands "
       "the rest to the next free worker.", "10", 10.0, minimum=0.1),
    _s("REASONING_SWEEPER_INTERVAL_SECONDS", "float",
       "Beat interval of the reasoning sweeper (lost wake-ups; agents with work but not due).", "5", 5.0,
       minimum=0.2),
    _s("REASONING_TRACE_RETENTION_DAYS", "int",
       "Days a cycle's trace row (what an agent saw, chose and did, and why) is kept; the beat's hourly "
       "agents.prune_traces deletes older ones.", "7", 7, minimum=1, runtime=True),
    # --- supervision (docs/supervision.md) -------------------------------------------
    _s("SUPERVISION_CHECK_SECONDS", "float", "Beat interval of the supervision check (failure signals, restarts "
       "after their back-off, escalations).", "2", 2.0, minimum=0.2),
    # --- learning (docs/learning.md) -------------------------------------------------
    _s("LEARNING_ROLLUP_SECONDS", "float", "Beat interval of the learning roll-up (new plan outcomes counted into "
       "the plans' statistics, on the learning queue).", "3", 3.0, minimum=0.2),
    _s("LEARNING_ROLLUP_BATCH", "int", "Outcomes one roll-up counts at most (the rest wait for the next).",
       "5000", 5000, minimum=1),
    _s("LEARNING_HALF_LIFE_SECONDS", "float", "An outcome's weight in the plans' statistics halves every this many "
       "seconds (0: never forget), so plan choice follows drift; by time, not by count, so a group's and its "
       "members' statistics age alike.", "259200", 259200.0, minimum=0),
    _s("LEARNING_DEFAULT_POLICY", "str", "The plan selection policy of an organization without one of its own.",
       "first_applicable", "first_applicable", choices=("first_applicable", "thompson", "thompson_shared")),
    # --- simulation (docs/simulation.md) -------------------------------------------
    _s("SIMULATION_ENABLED", "bool",
       "Advance the simulated businesses (organizations marked as simulations, such as the demo) a day every "
       "SIMULATION_DAY_SECONDS; off: the beat's task does nothing. Never touches other organizations.",
       "false", False, development=True, runtime=True),
    _s("SIMULATION_DAY_SECONDS", "float", "Real seconds a simulated day lasts (the beat interval of the "
       "simulation; a change needs a beat restart).", "5", 5.0, minimum=0.5),
    # --- actions (docs/actions.md) ---------------------------------------------------
    _s("ACTIONS_MODULES", "list",
       "Python modules that register a deployment's own actions (@action(\"crm.create_lead\")); every process "
       "imports them at start, after the built-ins (log, notify, http.post, llm.chat).",
       "mycompany.actions,mycompany.crm.actions", [], test=["tests.support.actions"]),
    _s("ACTIONS_MAX_ATTEMPTS", "int", "Runs of an action request before a retryable error fails it for good.",
       "5", 5, minimum=1),
    _s("ACTIONS_BACKOFF_BASE_SECONDS", "float",
       "First retry delay of an action; it doubles per attempt (with jitter in its upper half).", "2", 2.0,
       minimum=0),
    _s("ACTIONS_BACKOFF_CAP_SECONDS", "float", "Longest retry delay of an action.", "300", 300.0, minimum=0),
    _s("ACTIONS_LEASE_SECONDS", "float",
       "Seconds an action worker holds a request it runs; after that (a worker lost mid-call) it runs again, "
       "with the same idempotency key. Above twice every action timeout, below CELERY_TASK_SOFT_TIME_LIMIT.",
       "150", 150.0, minimum=1),
    _s("ACTIONS_SWEEPER_INTERVAL_SECONDS", "float",
       "Beat interval of the action sweeper (expired leases, due requests whose wake-up was lost).", "10", 10.0,
       minimum=0.2),
    _s("ACTIONS_HTTP_ALLOWED_HOSTS", "list",
       "Hosts http.post may call: host, host:port or *.domain; empty refuses every URL.",
       "hooks.example.com,*.crm.example.com,10.0.0.5:8080", []),
    _s("ACTIONS_HTTP_TIMEOUT_SECONDS", "float",
       "http.post: seconds to connect, and at most this again to read the reply.", "10", 10.0, minimum=0.1),
    _s("ACTIONS_HTTP_MAX_REPLY_BYTES", "int",
       "http.post and llm.chat: bytes of a reply read at most; a longer reply's text is cut there.", "16384",
       16384, minimum=256),
    _s("ACTIONS_BREAKER_FAIL_MAX", "int",
       "Failures in a row (timeouts, connection errors, 5xx) that open a host's circuit breaker for actions.",
       "5", 5, minimum=1),
    _s("ACTIONS_BREAKER_RESET_SECONDS", "float",
       "Seconds a host's action breaker stays open before a trial call.", "30", 30.0, minimum=0.1),
    _s("ACTIONS_LLM_BASE_URL", "url",
       "llm.chat: base URL of an OpenAI-compatible API (POST <base>/chat/completions), e.g. "
       "https://api.openai.com/v1; empty: llm.chat fails with not_configured.", "https://api.openai.com/v1",
       ""),
    _s("ACTIONS_LLM_API_KEY", "str", "llm.chat: the API key, sent as Authorization: Bearer.",
       "<the provider's key>", None, secret=True),
    _s("ACTIONS_LLM_MODEL", "str", "llm.chat: the model asked for; empty: llm.chat fails with not_configured.",
       "gpt-4o-mini", ""),
    _s("ACTIONS_LLM_TIMEOUT_SECONDS", "float", "llm.chat: seconds to connect, and at most this again to read.",
       "60", 60.0, minimum=0.1),
    _s("ACTIONS_LLM_MAX_TOKENS", "int", "llm.chat: the most completion tokens one call may ask for (its default).",
       "1024", 1024, minimum=1),
    _s("ACTIONS_LLM_PROMPT_PRICE_PER_1K", "float",
       "llm.chat: price of 1000 prompt tokens, for the cost recorded on each result (any currency).", "0.00015",
       0.0, minimum=0),
    _s("ACTIONS_LLM_COMPLETION_PRICE_PER_1K", "float",
       "llm.chat: price of 1000 completion tokens, for the cost recorded on each result.", "0.0006", 0.0,
       minimum=0),
    _s("CONFIG_DRIFT_AUDIT", "bool",
       "Each process start compares the configuration with the last recorded one and audits a change "
       "(docs/audit.md); off in the test suite, whose processes would otherwise add events to every test's chain.",
       "true", True, test=False),
    _s("RUNTIME_SETTINGS_CACHE_SECONDS", "float",
       "Seconds a process keeps the runtime overrides it read; an override changed in another process is "
       "seen within this time (the changing process sees it at once).", "5", 5.0, minimum=0.0),
    # --- operations -----------------------------------------------------------
    _s("LOG_LEVEL", "str", "Root log level.", "INFO", "INFO",
       choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    _s("WAIT_FOR_SERVICES_TIMEOUT", "float", "Seconds wait_for_services keeps retrying before giving up.",
       "60", 60.0, minimum=1),
    _s("HEALTH_CHECK_TIMEOUT", "float", "Seconds each readiness check may take.", "2", 2.0, minimum=0.1),
    _s("LOG_FORMAT", "str", "Log lines as JSON (one object per line, for collectors) or readable text.",
       "json", "text", production="json", choices=("json", "text")),
    _s("HEALTH_TOKEN", "str",
       "Token that unlocks /health/ready/ detail, sent as the X-Health-Token header; unset: staff only.",
       "<32+ random chars>", None, test="test-health-token-" + "h" * 24, secret=True),
    _s("METRICS_TOKEN", "str",
       "Bearer token for /metrics (Authorization: Bearer <token>); unset: only METRICS_ALLOWED_IPS may scrape.",
       "<32+ random chars>", None, test="test-metrics-token-" + "m" * 24, secret=True),
    _s("METRICS_ALLOWED_IPS", "list",
       "Client IPs or networks that may scrape /metrics without the token (as seen after TRUSTED_PROXY_COUNT).",
       "10.0.0.0/8,127.0.0.1", ["127.0.0.1", "::1"], production=[]),
    _s("METRICS_DIR", "str",
       "Directory of the Prometheus multiprocess files; each process group writes a subdirectory, wiped at "
       "its start. Empty: VAR_DIR/metrics.", "/run/mabos/metrics", ""),
    _s("HEARTBEAT_INTERVAL", "float",
       "Seconds between the heartbeats workers and beat write; three missed beats mark them gone.",
       "10", 10.0, test=1.0, minimum=0.2),
    _s("MABOS_ADMIN_PASSWORD", "str",
       "Password for the admin user that `make run` creates on a fresh database; unset means generate one.",
       "a long passphrase", None, secret=True),
    _s("AUDIT_HMAC_KEYS", "dict",
       "Audit chain keys as id=key pairs; the last one signs new events, all verify old ones.",
       "2026a=<32+ random chars>,2026b=<32+ random chars>", _DEV_AUDIT_KEYS,
       production=REQUIRED, secret=True),
    _s("AGENT_KEY_PEPPERS", "dict",
       "Peppers of agent API key hashes as id=key pairs; the last one hashes new keys, all verify "
       "(keys move to the newest on use).",
       "2026a=<32+ random chars>,2026b=<32+ random chars>", "dev=dev-insecure-agent-key-pepper-" + "p" * 32,
       production=REQUIRED, secret=True),
    _s("AGENT_KEY_CACHE_SECONDS", "float",
       "Seconds a process keeps an agent key it verified (the secret is still checked on every request); a key "
       "revoked or an agent changed in another process is seen within this time. 0: verify in the database "
       "every time.", "5", 5.0, minimum=0.0),
)

SCHEMA_BY_NAME = {s.name: s for s in SCHEMA}


@dataclass
class Config:
    """The effective configuration: typed values, where each came from, and problems found."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def env_name(self) -> str:
        return self.values["MABOS_ENV"]

    @property
    def is_production(self) -> bool:
        return self.env_name == "production"

    def redacted(self) -> list[tuple[Setting, str, str]]:
        """(setting, printable value, source) with secrets hidden, for operators' eyes."""
        rows = []
        for s in SCHEMA:
            value = self.values.get(s.name)
            rows.append((s, redact(s, value), self.sources.get(s.name, "default")))
        return rows


def redact(setting: Setting, value: Any) -> str:
    """Hide secrets but keep enough to recognise the value (URL host, key ids)."""
    if value in (None, "", [], {}):
        return "(unset)" if value is None else repr(value)
    if not setting.secret:
        return ", ".join(value) if isinstance(value, list) else str(value)
    if setting.cast == "url":
        parts = urlsplit(value)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        if parts.username or parts.password:
            netloc = f"***@{netloc}"
        return f"{parts.scheme}://{netloc}{parts.path}"
    if setting.cast == "dict":
        return ", ".join(f"{k}=***" for k in value)
    if setting.cast == "list":
        return f"*** ({len(value)} value(s))"
    return "***"
