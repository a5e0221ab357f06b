"""The configuration schema: typing, defaults, production validation, secrets from files."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.env import SCHEMA, ConfigError, load_config, redact
from config.env.docs import markdown_reference
from tests.support.processes import BIN, REPO

STRONG_KEY = "k3Y-" + "x9Qz7Lm2Pw" * 6
PROD = {
    "MABOS_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "mabos.example.com",
    "DATABASE_URL": "postgres://mabos:pw@db.internal:5432/mabos",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "AUDIT_HMAC_KEYS": "2026a=" + "r" * 8 + "Z" * 30,
    "JWT_SIGNING_KEYS": "2026a=" + "Qw8rT5yU1i" * 4,
    "AGENT_KEY_PEPPERS": "2026a=" + "p" * 8 + "Q" * 30,
}


def problems_of(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(env)
    return info.value.problems


def test_development_needs_nothing_set():
    config = load_config({})
    assert config.env_name == "development"
    assert config.DEBUG is True
    assert config.DATABASE_URL is None  # SQLite
    assert config.REDIS_URL is None  # database cache, filesystem broker


def test_a_complete_production_config_loads():
    config = load_config(PROD)
    assert config.is_production
    assert config.DEBUG is False
    assert config.ALLOWED_HOSTS == ["mabos.example.com"]
    assert {"2026a": PROD["AUDIT_HMAC_KEYS"].split("=", 1)[1]} == config.AUDIT_HMAC_KEYS


def test_production_without_secret_key_names_it():
    problems = problems_of({k: v for k, v in PROD.items() if k != "SECRET_KEY"})
    assert len(problems) == 1
    assert "SECRET_KEY is required in production" in problems[0]
    assert "example:" in problems[0]


def test_production_lists_every_problem_in_one_message():
    env = {"MABOS_ENV": "production", "DEBUG": "true", "SECRET_KEY": "short",
           "DATABASE_URL": "mysql://x/y", "REDIS_URL": "redis://:6379"}
    with pytest.raises(ConfigError) as info:
        load_config(env)
    message = str(info.value)
    for name in ("SECRET_KEY is weak", "DEBUG is on", "ALLOWED_HOSTS is required", "DATABASE_URL has scheme",
                 "REDIS_URL has no host", "AUDIT_HMAC_KEYS is required", "JWT_SIGNING_KEYS is required",
                 "AGENT_KEY_PEPPERS is required"):
        assert name in message
    assert message.count("\n  - ") == len(info.value.problems) == 8


@pytest.mark.parametrize("key", ["django-insecure-" + "a1b2c3" * 10, "a" * 80, "dev-insecure-" + "xyz12" * 10])
def test_weak_secret_keys_are_refused_in_production(key):
    assert any("SECRET_KEY is weak" in p for p in problems_of({**PROD, "SECRET_KEY": key}))


def test_empty_allowed_hosts_is_refused_in_production():
    assert any("ALLOWED_HOSTS is empty" in p for p in problems_of({**PROD, "ALLOWED_HOSTS": " , "}))


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("DATABASE_URL", "postgres://u:p@h:notaport/db", "DATABASE_URL is malformed"),
    ("DATABASE_URL", "postgres://u:p@h:5432/", "DATABASE_URL has no database name"),
    ("DATABASE_URL", "not a url", "DATABASE_URL has scheme '(none)'"),
    ("REDIS_URL", "http://redis:6379", "REDIS_URL has scheme 'http'"),
    ("DEBUG", "maybe", "DEBUG='maybe' is not true or false"),
    ("DB_POOL_MAX_SIZE", "ten", "DB_POOL_MAX_SIZE='ten' is not an integer"),
    ("DB_POOL_MAX_SIZE", "0", "DB_POOL_MAX_SIZE=0 is below the minimum 1"),
    ("MABOS_PROCESS_ROLE", "janitor", "MABOS_PROCESS_ROLE='janitor' is not one of web, worker, cli"),
    ("AUDIT_HMAC_KEYS", "novalue", "is not comma-separated id=value pairs"),
])
def test_bad_values_are_named_with_an_example(name, value, fragment):
    problems = problems_of({**PROD, name: value})
    assert any(fragment in p and "example:" in p for p in problems), problems


def test_unknown_environment_is_named():
    assert any("MABOS_ENV='staging'" in p for p in problems_of({"MABOS_ENV": "staging"}))


def test_pool_min_above_max_is_refused():
    assert any("DB_POOL_MIN_SIZE is larger" in p
               for p in problems_of({**PROD, "DB_POOL_MIN_SIZE": "20", "DB_POOL_MAX_SIZE": "5"}))


def test_secret_values_are_never_echoed_in_problems():
    problems = problems_of({**PROD, "SECRET_KEY_FALLBACKS": "weak-old-key", "DATABASE_URL": "postgres://u:hunter2@h:x/db"})
    text = "\n".join(problems)
    assert "hunter2" not in text and "weak-old-key" not in text
    assert "SECRET_KEY_FALLBACKS holds a weak key" in text


def test_secret_key_from_file(tmp_path):
    path = tmp_path / "key"
    path.write_text(STRONG_KEY + "\n")
    env = {k: v for k, v in PROD.items() if k != "SECRET_KEY"} | {"SECRET_KEY_FILE": str(path)}
    config = load_config(env)
    assert config.SECRET_KEY == STRONG_KEY
    assert config.sources["SECRET_KEY"] == f"file {path}"


def test_file_wins_over_plain_variable_and_missing_file_is_named(tmp_path):
    path = tmp_path / "db"
    path.write_text("postgres://a:b@filehost:5432/fromfile")
    config = load_config({**PROD, "DATABASE_URL_FILE": str(path)})
    assert config.DATABASE_URL.endswith("/fromfile")
    problems = problems_of({**PROD, "SECRET_KEY_FILE": str(tmp_path / "missing")})
    assert any(p.startswith("SECRET_KEY_FILE cannot be read") for p in problems)


def test_fallback_keys_are_parsed_for_rotation():
    old = "0ld-" + "Qw3rTy8uI9" * 6
    assert [
        old, STRONG_KEY] == load_config({**PROD, "SECRET_KEY_FALLBACKS": f"{old}, {STRONG_KEY}"}).SECRET_KEY_FALLBACKS


def test_redaction_hides_secrets_but_keeps_the_shape():
    by_name = {s.name: s for s in SCHEMA}
    assert redact(by_name["SECRET_KEY"], STRONG_KEY) == "***"
    assert redact(by_name["DATABASE_URL"], "postgres://u:pw@db:5432/mabos") == "postgres://***@db:5432/mabos"
    assert redact(by_name["AUDIT_HMAC_KEYS"], {"k1": "secret"}) == "k1=***"
    assert redact(by_name["PORT"], 8000) == "8000"


@given(st.text(max_size=40))
def test_any_garbage_in_a_typed_variable_is_a_config_error_not_a_crash(raw):
    for name in ("PORT", "DEBUG", "DB_POOL_TIMEOUT", "DATABASE_URL", "AUDIT_HMAC_KEYS"):
        try:
            load_config({**PROD, name: raw})
        except ConfigError as exc:  # anything else (ValueError, KeyError...) fails the test
            assert exc.problems
            assert all(p.startswith(name) for p in exc.problems), exc.problems


def test_every_setting_is_documented_with_an_example():
    for s in SCHEMA:
        assert s.doc and s.example, s.name
        assert s.development is not None or s.secret or s.name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")


def test_configuration_doc_is_current():
    """docs/configuration.md is generated; regenerate with `python manage.py mabos_config --markdown`."""
    assert (REPO / "docs" / "configuration.md").read_text() == markdown_reference()


@pytest.mark.parametrize("command", [
    [sys.executable, "manage.py", "check"],
    [str(BIN / "gunicorn"), "-c", "config/gunicorn.py"],
    [str(BIN / "celery"), "-A", "config", "worker"],
], ids=["manage.py", "gunicorn", "celery"])
def test_production_start_without_secret_key_exits_with_one_message(tmp_path, command):
    env = {"PATH": "/usr/bin:/bin", "MABOS_ENV": "production", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "SECRET_KEY is required in production" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("MABOS cannot start:")


def test_the_env_modules_import_each_other_in_one_direction_only():
    """parsing and schema import nothing of the package; validation imports schema; loading imports the
    three; docs imports schema. Imports inside functions count: that is where the old circle hid."""
    allowed = {"parsing": set(), "schema": set(), "validation": {"schema"}, "docs": {"schema"},
               "loading": {"parsing", "schema", "validation"}}
    folder = REPO / "config" / "env"
    assert {path.stem for path in folder.glob("*.py")} == {"__init__", *allowed}
    for name, may_import in allowed.items():
        imported = set()
        for node in ast.walk(ast.parse((folder / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("config.env"):
                imported.add(node.module.removeprefix("config.env").lstrip(".") or "__init__")
            elif isinstance(node, ast.Import):
                imported |= {a.name.removeprefix("config.env.") for a in node.names if a.name.startswith("config.env")}
        assert imported <= may_import, f"config/env/{name}.py imports {sorted(imported - may_import)}"
