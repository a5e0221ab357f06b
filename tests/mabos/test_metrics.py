"""/metrics: protected, Prometheus text, and every figure moved by a real event (or read from the database)."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from auditlog.actors import Actor
from auditlog.models import Action
from auditlog.services import audit_record
from auditlog.verification import verify_and_record
from mabos.components import registered_components
from mabos.tasks import ping
from tests.support.api import PASSWORD, create_user, reset_shared_state
from tests.support.audit import tamper
from tests.support.metrics import auth, parse, scrape, value
from tests.support.polling import wait_until
from tests.support.processes import REPO, start_gunicorn

pytestmark = pytest.mark.django_db

SCRAPE_TIME = {"mabos_component_up", "mabos_component_check_seconds", "mabos_workers_alive", "mabos_beat_alive",
               "mabos_deliveries_pending", "mabos_deliveries_dead"}


# --- access -------------------------------------------------------------------------------------

def test_a_caller_without_the_token_from_elsewhere_gets_the_minimum(client):
    response = client.get("/metrics", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 401 and response.content == b"unauthorized\n"
    assert response["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer wrong", "Basic Zm9vOmJhcg==", "Bearer", "bearer  ", "Bearer " + "é" * 50):
        response = client.get("/metrics", REMOTE_ADDR="10.9.9.9", HTTP_AUTHORIZATION=header)
        assert response.status_code == 403 and response.content == b"forbidden\n", header


def test_the_token_or_an_allowed_address_may_scrape(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="10.9.9.9", **auth()).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200  # METRICS_ALLOWED_IPS default
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.9.9.9").status_code == 200
    # A wrong token is refused even from an allowed address.
    assert client.get("/metrics", REMOTE_ADDR="10.9.9.9", HTTP_AUTHORIZATION="Bearer nope").status_code == 403


def test_malformed_scrape_requests_are_4xx_not_500(client):
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405
    assert client.delete("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405
    for accept in ("garbage;;;q=x", "application/openmetrics-text; version=9.9.9", "*/*; escaping=weird"):
        response = client.get("/metrics?name[]=%ff&x=y", REMOTE_ADDR="127.0.0.1", HTTP_ACCEPT=accept)
        assert response.status_code in (200, 406), (accept, response.status_code)
    # A NUL in a query parameter is refused before any view, naming it (mabos/storable/request.py).
    response = client.get("/metrics?x=%00", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 400
    assert client.get("/metrics", REMOTE_ADDR="not-an-ip").status_code == 401


def test_openmetrics_is_served_when_asked(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_ACCEPT="application/openmetrics-text")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")


# --- figures ------------------------------------------------------------------------------------

def test_http_requests_are_counted_by_route_pattern_not_raw_path(client):
    before = scrape(client)
    for _ in range(3):
        client.get("/health/live/")
    client.get("/api/v1/organizations/7f1c2c3e-0000-4000-8000-000000000001/")
    client.get("/no/such/page/")
    after = scrape(client)
    live = {"method": "GET", "route": "/health/live/", "status": "200"}
    assert value(after, "mabos_http_requests_total", **live) - value(before, "mabos_http_requests_total", **live) == 3
    assert (value(after, "mabos_http_request_duration_seconds_count", method="GET", route="/health/live/")
            - value(before, "mabos_http_request_duration_seconds_count", method="GET", route="/health/live/")) == 3
    routes = {dict(labels).get("route") for (name, labels) in after if name == "mabos_http_requests_total"}
    assert not any("7f1c2c3e" in route for route in routes), routes
    assert "<unmatched>" in routes
    assert any(route.startswith("/api/v1/organizations/") and "<" in route for route in routes), routes


def test_login_failures_and_lockouts_are_counted(client, settings):
    reset_shared_state()
    create_user("metrics-victim")
    before = scrape(client)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "metrics-victim", "password": "wrong " + PASSWORD},
                    content_type="application/json")
    after = scrape(client)
    failures = value(after, "mabos_login_failures_total", channel="api") - value(
        before, "mabos_login_failures_total", channel="api")
    assert failures == settings.AXES_FAILURE_LIMIT
    assert value(after, "mabos_lockouts_total", channel="api") - value(before, "mabos_lockouts_total", channel="api") == 1
    reset_shared_state()


def test_audit_chain_verification_result_is_exported(client):
    events = [audit_record(action=Action.UPDATE, actor=Actor.system()) for _ in range(2)]
    verify_and_record()
    assert value(scrape(client), "mabos_audit_chain_ok") == 1
    tamper("UPDATE auditlog_auditevent SET note = 'x' WHERE id = %s", [events[0].pk])
    verify_and_record()
    assert value(scrape(client), "mabos_audit_chain_ok") == 0


def test_components_and_heartbeats_are_exported_at_scrape_time(client):
    from tests.support.health import pretend_workers_and_beat_alive

    pretend_workers_and_beat_alive()
    samples = scrape(client)
    assert value(samples, "mabos_component_up", component="database", critical="true") == 1
    assert value(samples, "mabos_component_up", component="workers", critical="false") == 1
    assert value(samples, "mabos_workers_alive") >= 1 and value(samples, "mabos_beat_alive") >= 1


def test_every_metric_a_component_declares_exists():
    from prometheus_client import REGISTRY

    import mabos.metrics.definitions as defined

    names = set(SCRAPE_TIME)
    for item in vars(defined).values():
        if hasattr(item, "_name") and hasattr(item, "_type"):
            names.add(item._name + ("_total" if item._type == "counter" else ""))
    assert names and REGISTRY is not None
    for component in registered_components():
        for metric in component.metrics:
            assert metric in names, f"{component.name} declares unknown metric {metric}"


def test_circuit_breaker_state_is_exported_and_named_by_health(client):
    from mabos.resilience.breakers import breaker
    from tests.support.health import ready_detail

    item = breaker("metrics-test-dependency", fail_max=1, reset_timeout=60)
    item.close()

    def fails() -> None:
        raise ConnectionError("down")

    assert item.call(fails, fallback=lambda: "fallback") == "fallback"
    assert item.current_state == "open"
    samples = scrape(client)
    assert value(samples, "mabos_circuit_breaker_state", breaker="metrics-test-dependency") == 2
    _, body = ready_detail(client)
    assert "metrics-test-dependency open" in body["checks"]["circuit_breakers"]["error"]
    item.close()
    assert value(scrape(client), "mabos_circuit_breaker_state", breaker="metrics-test-dependency") == 0


@pytest.mark.django_db(transaction=True)
def test_delivery_backlog_and_sends_match_the_database(client):
    from agents.messaging.services.dead_letters import dead_letter
    from agents.messaging.services.send import message_send
    from agents.models import AgentKind, Delivery
    from tests.support.factories import AgentFactory, OrganizationFactory

    organization = OrganizationFactory()
    sender = AgentFactory(organization=organization)
    # External recipients: their deliveries wait for an API ack, so a worker running elsewhere in the
    # suite cannot ack them all before one is dead-lettered (internal ones are acked in milliseconds).
    recipients = [AgentFactory(organization=organization, kind=AgentKind.EXTERNAL) for _ in range(3)]
    person = create_user(is_superuser=True)
    before = scrape(client)
    for n in range(5):
        message_send(organization=organization, by=person, sender_agent=sender, performative="inform",
                     content={"n": n}, to=[r.pk for r in recipients])

    def dead_letter_one() -> bool:
        # A worker may be moving deliveries meanwhile (pending -> delivered): any of them may become dead.
        candidate = Delivery.objects.exclude(status__in=["acked", "dead", "expired"]).first()
        return candidate is not None and dead_letter(delivery_id=candidate.pk, reason="test")

    wait_until(dead_letter_one, timeout=10, message="one delivery dead-lettered")

    def scrape_matches_database() -> dict:
        # Compare a scrape with the database at the same moment (a worker may still be delivering).
        pending = Delivery.objects.filter(status__in=["pending", "dispatched", "failed"]).count()
        samples = scrape(client)
        again = Delivery.objects.filter(status__in=["pending", "dispatched", "failed"]).count()
        return samples if pending == again == value(samples, "mabos_deliveries_pending") else {}

    after = wait_until(scrape_matches_database, timeout=20, message="pending deliveries in the scrape")
    assert value(after, "mabos_deliveries_dead") == Delivery.objects.filter(status="dead").count() == 1
    sent = value(after, "mabos_messages_sent_total", performative="inform") - value(
        before, "mabos_messages_sent_total", performative="inform")
    assert sent == 5
    finished = value(after, "mabos_deliveries_finished_total", status="dead") - value(
        before, "mabos_deliveries_finished_total", status="dead")
    assert finished == 1


# --- several processes --------------------------------------------------------------------------

@pytest.mark.processes
def test_task_durations_from_a_worker_process_reach_the_scrape(client, celery_worker_process):
    before = value(scrape(client), "mabos_task_duration_seconds_count", task="mabos.ping")
    for _ in range(3):
        assert ping.delay().get(timeout=20) == {"pong": True}
    wait_until(lambda: value(scrape(client), "mabos_task_duration_seconds_count", task="mabos.ping") - before == 3,
               timeout=10, message="three mabos.ping durations in the scrape")


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_several_gunicorn_workers_add_up(tmp_path):
    server, base = start_gunicorn(tmp_path, WEB_CONCURRENCY="3", WEB_THREADS="1")
    token = {"Authorization": f"Bearer {settings.METRICS_TOKEN}"}
    live = ("mabos_http_requests_total", (("method", "GET"), ("route", "/health/live/"), ("status", "200")))
    try:
        status, text = _get(f"{base}/metrics", token)
        assert status == 200, text
        before = parse(text).get(live, 0.0)
        for _ in range(30):
            assert _get(f"{base}/health/live/")[0] == 200
        after = parse(_get(f"{base}/metrics", token)[1]).get(live, 0.0)
        assert after - before == 30
        # The master leads its own group directory; its workers write per-pid files there.
        group = Path(settings.METRICS_DIR) / f"web-{server.popen.pid}"
        assert list(group.glob("counter_*.db")), list(Path(settings.METRICS_DIR).iterdir())
        assert _get(f"{base}/metrics")[0] in (200, 401)  # 127.0.0.1 is allowed by default in test
        assert _get(f"{base}/metrics", {"Authorization": "Bearer nope"})[0] == 403
    finally:
        server.stop()


def test_importing_the_metrics_package_does_not_load_prometheus_client():
    """config/celery.py imports mabos.metrics.directory to set PROMETHEUS_MULTIPROC_DIR, which
    prometheus_client reads once, at its import: the package re-exports the metrics only on first use."""
    probe = ("import sys, mabos.metrics, mabos.metrics.directory\n"
             "assert 'prometheus_client' not in sys.modules, 'loaded by the import'\n"
             "from mabos.metrics import DELIVERIES_FINISHED\n"
             "assert DELIVERIES_FINISHED is sys.modules['mabos.metrics.definitions'].DELIVERIES_FINISHED\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
