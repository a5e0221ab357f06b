"""AGENT_KEY_PEPPERS: dev/test defaults, required and strong in production."""

from __future__ import annotations

import pytest

from config.env import ConfigError, load_config

PROD = {
    "MABOS_ENV": "production",
    "SECRET_KEY": "k3Y-" + "x9Qz7Lm2Pw" * 6,
    "ALLOWED_HOSTS": "mabos.example.com",
    "DATABASE_URL": "postgres://mabos:pw@db.internal:5432/mabos",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "AUDIT_HMAC_KEYS": "2026a=" + "r" * 8 + "Z" * 30,
    "JWT_SIGNING_KEYS": "2026a=" + "Qw8rT5yU1i" * 4,
}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(env)
    return info.value.problems


def test_development_and_test_have_a_default_pepper():
    assert load_config({}).AGENT_KEY_PEPPERS
    assert list(load_config({"MABOS_ENV": "development"}).AGENT_KEY_PEPPERS) == ["dev"]


def test_production_requires_strong_peppers():
    assert any(p.startswith("AGENT_KEY_PEPPERS is required in production") for p in problems(PROD))
    assert any("AGENT_KEY_PEPPERS has weak" in p for p in problems({**PROD, "AGENT_KEY_PEPPERS": "a=short"}))
    dev = load_config({}).AGENT_KEY_PEPPERS["dev"]
    assert any("AGENT_KEY_PEPPERS has weak" in p for p in problems({**PROD, "AGENT_KEY_PEPPERS": f"dev={dev}"}))
    config = load_config({**PROD, "AGENT_KEY_PEPPERS": "2026a=" + "p" * 8 + "Q" * 30 + ",2026b=" + "z" * 40})
    assert list(config.AGENT_KEY_PEPPERS) == ["2026a", "2026b"]  # newest last: it hashes new keys
