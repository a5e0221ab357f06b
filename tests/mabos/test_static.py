"""The admin is styled under gunicorn: static assets are served by the app itself."""

from __future__ import annotations

import urllib.request

import pytest

from tests.support.processes import start_gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def test_gunicorn_serves_the_admin_login_and_its_css(tmp_path):
    server, base = start_gunicorn(tmp_path)
    try:
        with urllib.request.urlopen(f"{base}/admin/login/", timeout=10) as resp:
            assert resp.status == 200
            assert "MABOS administration" in resp.read().decode()
        with urllib.request.urlopen(f"{base}/static/admin/css/base.css", timeout=10) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/css")
    finally:
        server.stop()
