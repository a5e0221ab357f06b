"""Structured logs: context on every line, JSON in production format, secrets never written."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings

from mabos.logging import REDACTED, JsonFormatter, RedactionFilter, TextFormatter, logging_config, redact
from mabos.request_context import RequestContextLogFilter, bind
from tests.support.api import client_for, create_user
from tests.support.polling import wait_until
from tests.support.processes import RedisServer, start_worker


@pytest.fixture
def capture():
    """A handler wired exactly like the console handler of settings.LOGGING, writing to a buffer."""

    def make(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler.addFilter(RequestContextLogFilter())
        handler.addFilter(RedactionFilter())
        logger = logging.getLogger(f"tests.logging.{id(stream)}")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        made.append((logger, handler))
        return logger, stream

    made: list = []
    yield make
    for logger, handler in made:
        logger.removeHandler(handler)


def test_log_format_defaults_per_environment():
    from config.env import SCHEMA_BY_NAME

    setting = SCHEMA_BY_NAME["LOG_FORMAT"]
    assert (setting.development, setting.test, setting.production) == ("text", "text", "json")
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.MABOS_CONFIG.LOG_FORMAT
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request_context", "redaction"]
    assert logging_config(log_format="json", level="INFO")["handlers"]["console"]["formatter"] == "json"


@pytest.mark.parametrize("secret_line", [
    "login with password=hunter2-very-secret for bob",
    'payload {"username": "bob", "password": "hunter2-very-secret"}',
    "headers {'Authorization': 'Bearer hunter2-very-secret'}",
    "Authorization: Bearer hunter2-very-secret",
    "calling redis://default:hunter2-very-secret@cache.internal:6379/0",
    "refresh_token=hunter2-very-secret&grant=1",
    "X-Api-Key: hunter2-very-secret",
    "token eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.hunter2-very-secret-signature",
])
def test_secrets_are_redacted_in_json_and_text(capture, secret_line):
    for formatter in (JsonFormatter(), TextFormatter()):
        logger, stream = capture(formatter)
        logger.info("%s", secret_line)
        output = stream.getvalue()
        assert "hunter2" not in output, output
        assert REDACTED in output


def test_configured_secret_values_are_redacted_wherever_they_appear(capture):
    logger, stream = capture(JsonFormatter())
    signing_key = next(iter(settings.MABOS_CONFIG.JWT_SIGNING_KEYS.values()))
    logger.warning("the key is %s, oops", signing_key)
    logger.info("health probe with %s", settings.HEALTH_TOKEN)
    output = stream.getvalue()
    assert signing_key not in output and settings.HEALTH_TOKEN not in output
    assert output.count(REDACTED) == 2


def test_extra_fields_and_tracebacks_are_redacted(capture):
    logger, stream = capture(JsonFormatter())
    try:
        raise ValueError("connect failed: postgres://mabos:s3cr3t-pass@db/mabos")
    except ValueError:
        logger.exception("request failed", extra={"headers": {"Authorization": "Bearer abcdefgh12345678"},
                                                  "password": "plain-text-pass", "path": "/api/v1/"})
    line = json.loads(stream.getvalue())
    assert line["headers"] == {"Authorization": REDACTED}
    assert line["password"] == REDACTED and line["path"] == "/api/v1/"
    assert "s3cr3t-pass" not in line["exception"] and "ValueError" in line["exception"]


def test_ordinary_text_is_left_alone():
    text = "GET /api/v1/agents/<uuid:pk>/ 200 3.1ms; 5 deliveries sent to agent cfo"
    assert redact(text) == text


def test_json_lines_carry_request_task_actor_and_organization(capture):
    logger, stream = capture(JsonFormatter())
    reset = bind(request_id="req-12345678", task_name="agents.reason", actor="agent:cfo", organization="42")
    try:
        logger.info("deciding")
    finally:
        reset()
    logger.info("outside")
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == "req-12345678" and inside["task"] == "agents.reason"
    assert inside["actor"] == "agent:cfo" and inside["agent"] == "cfo" and inside["organization"] == "42"
    assert inside["level"] == "INFO" and inside["message"] == "deciding" and inside["time"].endswith("+00:00")
    assert outside["request_id"] is None and outside["actor"] is None


@pytest.mark.django_db
def test_a_request_logs_one_line_with_its_id_route_and_user(caplog):
    user = create_user("log-reader")
    with caplog.at_level(logging.INFO, logger="mabos.http"):
        response = client_for(user).get("/api/v1/auth/me/", HTTP_X_REQUEST_ID="trace-abcdef12")
    assert response.status_code == 200
    record = next(r for r in caplog.records if r.name == "mabos.http")
    RequestContextLogFilter().filter(record)  # caplog's handler is not ours: the values were read in-request
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "/api/v1/auth/me/" and line["status"] == 200
    assert line["message"].startswith("GET /api/v1/auth/me/ 200")


@pytest.mark.django_db
def test_request_context_reaches_the_handler(capture, client):
    """The user is named on lines logged inside the request, once authentication has run."""
    logger, stream = capture(JsonFormatter())
    user = create_user("log-writer", is_staff=True)
    client.force_login(user)
    handler = logger.handlers[0]
    http_logger = logging.getLogger("mabos.http")
    http_logger.addHandler(handler)
    try:
        client.get("/health/live/", HTTP_X_REQUEST_ID="trace-12345678")
    finally:
        http_logger.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "trace-12345678"
    assert line["route"] == "/health/live/"


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_worker_lines_are_json_with_task_name_and_the_callers_request_id(tmp_path):
    from celery import Celery

    from mabos.request_context import bind as bind_context

    # Its own broker, so the session's shared worker cannot take the task.
    broker = RedisServer(tmp_path / "broker").start()
    app = Celery("probe", broker=broker.url, backend=settings.CELERY_RESULT_BACKEND, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    worker = start_worker(tmp_path, name="jsonlog", LOG_FORMAT="json", CELERY_BROKER_URL=broker.url)
    try:
        wait_until(lambda: "ready" in worker.output(), timeout=60, message=f"worker ready:\n{worker.output()}")
        reset = bind_context(request_id="trace-from-web-1", actor="user:alice", organization="7")
        try:
            result = app.send_task("mabos.ping", queue="default")
        finally:
            reset()
        assert result.get(timeout=30) == {"pong": True}

        def task_lines() -> list[dict]:
            lines = []
            for raw in worker.output().splitlines():
                if raw.startswith("{"):
                    lines.append(json.loads(raw))
            return [line for line in lines if line.get("request_id") == "trace-from-web-1"]

        lines = wait_until(task_lines, timeout=15, message="task log lines")
        assert any(line["message"] == "pong" for line in lines)
        assert all(line["task"] == "mabos.ping" for line in lines)
        assert all(line["actor"] == "user:alice" and line["organization"] == "7" for line in lines)
        every = [json.loads(raw) for raw in worker.output().splitlines() if raw.startswith("{")]
        assert every and all("request_id" in line and "task" in line for line in every)
    finally:
        worker.stop()
        broker.stop()
