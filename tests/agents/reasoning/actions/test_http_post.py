"""``http.post`` against a local HTTP server: replies good and bad, timeouts, retries, the allow-list, the breaker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.models import ActionRequest, ActionStatus, AgentEvent
from agents.reasoning.actions.services import actions_run_due
from agents.reasoning.actions.transport import host_allowed
from tests.support.fake_http import Canned, FakeServer

pytestmark = pytest.mark.django_db


def run(request) -> ActionRequest:
    ActionRequest.objects.filter(pk=request.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert actions_run_due() >= 1
    request.refresh_from_db()
    return request


def test_a_json_reply_is_the_result_and_the_request_id_is_the_idempotency_key(server, requested):
    server.reply(Canned(status=201, body={"lead": 42, "name": "Ada"}, content_type="application/json; charset=utf-8"))
    request = run(requested("http.post", {"url": server.url("/leads?src=mabos"), "body": {"name": "Ada"},
                                          "headers": {"X-Token": "t0k"}}))
    assert request.status == ActionStatus.SUCCEEDED
    assert request.result == {"status": 201, "body": {"lead": 42, "name": "Ada"}, "truncated": False}
    [seen] = server.requests
    assert (seen.method, seen.path, seen.body) == ("POST", "/leads?src=mabos", {"name": "Ada"})
    assert seen.headers["Idempotency-Key"] == str(request.pk)
    assert seen.headers["Content-Type"] == "application/json" and seen.headers["X-Token"] == "t0k"


def test_a_text_reply_is_kept_as_text_and_an_empty_one_as_null(server, requested):
    server.reply(Canned(body="accepted", content_type="text/plain"), Canned(status=204, body=None))
    assert run(requested("http.post", {"url": server.url()})).result == \
        {"status": 200, "body": "accepted", "truncated": False}
    assert run(requested("http.post", {"url": server.url()})).result == {"status": 204, "body": None,
                                                                        "truncated": False}


@pytest.mark.parametrize("garbage", [b"<html>oops</html>", b'{"half": ', b"\xff\xfe not utf-8", b'{"x": NaN}',
                                     b'{"x": "\\u0000"}'])
def test_a_reply_that_says_json_and_is_none_fails_for_good(server, requested, garbage):
    server.reply(Canned(body=garbage))
    request = run(requested("http.post", {"url": server.url()}))
    assert (request.status, request.error, request.attempts) == (ActionStatus.FAILED, "bad_reply", 1)
    assert "not valid JSON" in request.error_message


def test_a_reply_that_is_no_http_fails_for_good(server, requested):
    server.reply(Canned(raw=b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    request = run(requested("http.post", {"url": server.url()}))
    assert (request.status, request.error) == (ActionStatus.FAILED, "bad_reply")


def test_a_long_reply_is_cut_at_the_cap(server, requested, configure):
    configure(HTTP_MAX_REPLY_BYTES=300)
    server.reply(Canned(body="x" * 5000, content_type="text/plain"), Canned(body={"items": ["y" * 50] * 50}))
    assert run(requested("http.post", {"url": server.url()})).result == \
        {"status": 200, "body": "x" * 300, "truncated": True}
    cut = run(requested("http.post", {"url": server.url()})).result
    assert cut["truncated"] is True and isinstance(cut["body"], str) and len(cut["body"]) == 300


def test_a_5xx_is_retried_with_the_same_idempotency_key(agent, server, requested):
    server.reply(Canned(status=503, body={"error": "busy"}), Canned(body={"ok": 1}))
    request = run(requested("http.post", {"url": server.url()}))
    assert (request.status, request.error, request.attempts) == (ActionStatus.PENDING, "http_status", 1)
    assert request.error_message.startswith("HTTP 503") and '"busy"' in request.error_message
    assert not AgentEvent.objects.filter(kind="action_result").exists()
    request = run(request)
    assert (request.status, request.attempts, request.result["body"]) == (ActionStatus.SUCCEEDED, 2, {"ok": 1})
    assert [seen.headers["Idempotency-Key"] for seen in server.requests] == [str(request.pk)] * 2
    assert AgentEvent.objects.filter(kind="action_result").count() == 1


@pytest.mark.parametrize(("status", "outcome"), [(429, ActionStatus.PENDING), (408, ActionStatus.PENDING),
                                                 (404, ActionStatus.FAILED), (400, ActionStatus.FAILED),
                                                 (401, ActionStatus.FAILED)])
def test_4xx_fail_for_good_except_timeouts_and_rate_limits(server, requested, status, outcome):
    server.reply(Canned(status=status, body={"error": "no"}))
    request = run(requested("http.post", {"url": server.url()}))
    assert (request.status, request.error) == (outcome, "http_status")
    assert request.error_message.startswith(f"HTTP {status}")


def test_a_redirect_is_not_followed(server, requested, configure):
    with FakeServer() as elsewhere:
        configure(HTTP_ALLOWED_HOSTS=[server.host, elsewhere.host])
        server.reply(Canned(status=302, headers={"Location": elsewhere.url("/steal")}, body=None))
        request = run(requested("http.post", {"url": server.url()}))
        assert (request.status, request.error) == (ActionStatus.FAILED, "http_status")
        assert request.error_message.startswith("HTTP 302")
        assert elsewhere.requests == []


def test_a_slow_server_times_out_and_is_retried(server, requested, configure):
    configure(HTTP_TIMEOUT_SECONDS=0.3)
    server.reply(Canned(body={"late": True}, delay=3))
    started = timezone.now()
    request = run(requested("http.post", {"url": server.url()}))
    assert (request.status, request.error) == (ActionStatus.PENDING, "timeout")
    assert timezone.now() - started < datetime.timedelta(seconds=2.5)


def test_a_refused_connection_is_retried(requested, configure):
    with FakeServer() as gone:
        host = gone.host
    configure(HTTP_ALLOWED_HOSTS=[host])
    request = run(requested("http.post", {"url": f"http://{host}/hook"}))
    assert (request.status, request.error) == (ActionStatus.PENDING, "connection_error")


@pytest.mark.parametrize(("args", "error"), [
    ({"url": "http://not-allowed.example/hook"}, "host_not_allowed"),
    ({"url": "http://user:secret@{host}/hook"}, "bad_args"),
    ({"url": "http://{host}/hook", "headers": {"Idempotency-Key": "mine"}}, "bad_args"),
    ({"url": "http://{host}/hook", "headers": {"X-Evil": "a\r\nHost: b"}}, "bad_args"),
])
def test_what_is_not_allowed_fails_without_a_call(server, requested, args, error):
    args = {**args, "url": args["url"].format(host=server.host)}
    request = run(requested("http.post", args))
    assert (request.status, request.error) == (ActionStatus.FAILED, error)
    assert server.requests == []


def test_nothing_is_allowed_by_default(server, requested, configure):
    configure(HTTP_ALLOWED_HOSTS=[])
    request = run(requested("http.post", {"url": server.url()}))
    assert (request.status, request.error) == (ActionStatus.FAILED, "host_not_allowed")
    assert "ACTIONS_HTTP_ALLOWED_HOSTS" in request.error_message and server.requests == []


def test_the_breaker_opens_after_repeated_failures_and_spares_the_host(server, requested, configure):
    configure(BREAKER_FAIL_MAX=2, BREAKER_RESET_SECONDS=60.0)
    server.reply(Canned(status=500), Canned(status=502))
    first = run(requested("http.post", {"url": server.url()}))
    second = run(requested("http.post", {"url": server.url()}))
    third = run(requested("http.post", {"url": server.url()}))
    assert [first.error, second.error, third.error] == ["http_status", "http_status", "breaker_open"]
    assert "breaker" in second.error_message  # the failure that opened it says so
    assert all(r.status == ActionStatus.PENDING for r in (first, second, third))  # all retried later
    assert len(server.requests) == 2  # the third never reached the host


def test_4xx_and_garbage_do_not_open_the_breaker(server, requested, configure):
    configure(BREAKER_FAIL_MAX=2)
    server.reply(Canned(status=404), Canned(body=b"garbage"), Canned(status=400), Canned(body={"ok": True}))
    errors = [run(requested("http.post", {"url": server.url()})).error for _ in range(4)]
    assert errors == ["http_status", "bad_reply", "http_status", ""]
    assert len(server.requests) == 4


@pytest.mark.parametrize(("url", "allowed", "expected"), [
    ("https://hooks.example.com/x", ["hooks.example.com"], True),
    ("https://HOOKS.example.com:443/x", ["hooks.example.com:443"], True),
    ("https://hooks.example.com:8443/x", ["hooks.example.com:443"], False),
    ("https://a.crm.example.com/x", ["*.crm.example.com"], True),
    ("https://crm.example.com/x", ["*.crm.example.com"], False),
    ("https://evilcrm.example.com/x", ["*.crm.example.com"], False),
    ("https://hooks.example.com.evil.io/x", ["hooks.example.com"], False),
    ("http://[::1]:8080/x", ["[::1]:8080"], True),
    ("http://127.0.0.1/x", [], False),
])
def test_the_allow_list(url, allowed, expected):
    assert host_allowed(url, allowed) is expected
