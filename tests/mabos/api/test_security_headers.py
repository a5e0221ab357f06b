"""Secure headers on every response, CSP that the admin and docs live with, a clean check --deploy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.api import client_for
from tests.support.processes import REPO, process_env

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_secure_headers(response) -> None:
    for name, value in EXPECTED.items():
        assert response.get(name) == value, (name, response.get(name), response.request["PATH_INFO"])
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize("path", [
    "/health/live/", "/health/ready/", "/admin/login/", "/api/v1/", "/api/v1/auth/me/",
    "/api/schema/", "/api/docs/", "/api/v2/nothing/", "/nowhere/",
])
def test_every_kind_of_response_carries_the_headers(client, path):
    assert_secure_headers(client.get(path))


def test_authenticated_api_and_admin_responses_carry_the_headers(client, make_user):
    user = make_user()
    assert_secure_headers(client_for(user).get("/api/v1/auth/me/"))
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert_secure_headers(client.get("/admin/"))
    assert_secure_headers(client.get("/api/v1/auth/me/", HTTP_ACCEPT="text/html"))


def test_swagger_ui_needs_no_inline_script_and_no_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert "<script>" not in page  # the init script is a separate same-origin file (CSP-friendly)
    assert "/static/drf_spectacular_sidecar/" in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_admin_and_browsable_api_pages_have_no_inline_scripts(client, make_user):
    import re

    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for path in ("/admin/", "/api/v1/auth/me/"):
        html = client.get(path, HTTP_ACCEPT="text/html").content.decode()
        inline = [m for m in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
                  if m[1].strip() and "application/json" not in m[0]]
        assert not inline, (path, inline)


PRODUCTION = {
    "MABOS_ENV": "production",
    "SECRET_KEY": "k3Y-" + "x9Qz7Lm2Pw" * 6,
    "ALLOWED_HOSTS": "mabos.example.com",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "AUDIT_HMAC_KEYS": "2026a=" + "r" * 8 + "Z" * 30,
    "JWT_SIGNING_KEYS": "2026a=" + "Qw8rT5yU1i" * 4,
    "AGENT_KEY_PEPPERS": "2026a=" + "p" * 8 + "Q" * 30,
    "DEBUG": "false",
}


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=REPO, env=process_env(**PRODUCTION), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_and_transport_settings():
    from config.env import load_config
    from config.settings.security import header_settings

    prod = header_settings(load_config({**PRODUCTION, "DATABASE_URL": "postgres://m:p@db:5432/m"}))
    assert prod["SECURE_HSTS_SECONDS"] == 31536000 and prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SESSION_COOKIE_NAME"].startswith("__Host-") and prod["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    relaxed = header_settings(load_config({**PRODUCTION, "DATABASE_URL": "postgres://m:p@db:5432/m",
                                           "SECURE_SSL_REDIRECT": "false"}))
    assert relaxed["SECURE_SSL_REDIRECT"] is False


def test_production_refuses_development_jwt_keys():
    from config.env import ConfigError, load_config

    env = {**PRODUCTION, "DATABASE_URL": "postgres://m:p@db:5432/m"}
    env.pop("JWT_SIGNING_KEYS")
    with pytest.raises(ConfigError, match="JWT_SIGNING_KEYS is required in production"):
        load_config(env)
    with pytest.raises(ConfigError, match="JWT_SIGNING_KEYS has weak"):
        load_config({**env, "JWT_SIGNING_KEYS": "k=short"})
