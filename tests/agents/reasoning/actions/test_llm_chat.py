"""``llm.chat`` against a local fake of an OpenAI-compatible API: tokens and cost, off unless configured, bad replies."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.models import ActionRequest, ActionStatus, AgentEvent
from agents.reasoning.actions.services import actions_run_due
from tests.support.fake_http import Canned, FakeServer

pytestmark = pytest.mark.django_db


def completion(content="Runway: 4 months.", prompt_tokens=1200, completion_tokens=300, **extra):
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": "fake-model-2024",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}, **extra}


@pytest.fixture
def openai(configure):
    """A fake provider, configured as the deployment's LLM."""
    with FakeServer(default=Canned(body=completion())) as fake:
        configure(LLM_BASE_URL=f"http://{fake.host}/v1/", LLM_MODEL="fake-model", LLM_API_KEY="sk-test",
                  LLM_PROMPT_PRICE_PER_1K=0.5, LLM_COMPLETION_PRICE_PER_1K=1.5, LLM_MAX_TOKENS=500,
                  HTTP_ALLOWED_HOSTS=[])  # the allow-list is http.post's: the LLM is the operator's choice
        yield fake


def run(request) -> ActionRequest:
    ActionRequest.objects.filter(pk=request.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert actions_run_due() >= 1
    request.refresh_from_db()
    return request


def test_a_completion_with_its_tokens_and_cost(agent, intention, openai, requested):
    request = run(requested("llm.chat", {"system": "You are a CFO.", "prompt": "How long is our runway?",
                                         "temperature": 0.2}))
    assert request.status == ActionStatus.SUCCEEDED
    usage = {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500}
    assert request.result == {"content": "Runway: 4 months.", "model": "fake-model-2024", "finish_reason": "stop",
                              "usage": usage, "cost": 1.05, "truncated": False}  # 1.2 * 0.5 + 0.3 * 1.5
    assert request.usage == {**usage, "cost": 1.05, "model": "fake-model-2024"}
    [seen] = openai.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == "Bearer sk-test" and seen.headers["Idempotency-Key"] == str(request.pk)
    assert seen.body == {"model": "fake-model", "max_tokens": 500, "temperature": 0.2,
                         "messages": [{"role": "system", "content": "You are a CFO."},
                                      {"role": "user", "content": "How long is our runway?"}]}
    [event] = AgentEvent.objects.filter(kind="action_result")
    assert event.intention_id == intention.pk and event.args["result"]["cost"] == 1.05


def test_messages_go_as_they_are(openai, requested):
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                {"role": "user", "content": "again"}]
    run(requested("llm.chat", {"messages": messages, "max_tokens": 20}))
    assert openai.requests[0].body["messages"] == messages and openai.requests[0].body["max_tokens"] == 20


@pytest.mark.parametrize("changes", [{"LLM_BASE_URL": ""}, {"LLM_MODEL": ""}])
def test_off_unless_configured(openai, requested, configure, changes):
    configure(**changes)
    request = run(requested("llm.chat", {"prompt": "hi"}))
    assert (request.status, request.error) == (ActionStatus.FAILED, "not_configured")
    assert "ACTIONS_LLM_BASE_URL" in request.error_message and openai.requests == []


@pytest.mark.parametrize(("args", "words"), [
    ({"prompt": "hi", "messages": [{"role": "user", "content": "hi"}]}, "either prompt"),
    ({}, "either prompt"),
    ({"messages": [{"role": "user", "content": "x"}], "system": "s"}, "among them"),
    ({"prompt": "hi", "max_tokens": 501}, "at most 500"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "args.messages[0].role"),
    ({"prompt": "hi", "model": "gpt-expensive"}, "Unknown argument 'model'"),
])
def test_bad_args_fail_without_a_call(openai, requested, args, words):
    request = run(requested("llm.chat", args))
    assert (request.status, request.error) == (ActionStatus.FAILED, "bad_args")
    assert words in request.error_message and openai.requests == []


@pytest.mark.parametrize("reply", [
    Canned(body=b"<html>502 Bad Gateway</html>", content_type="text/html"),
    Canned(body={"choices": []}),
    Canned(body={"choices": [{"message": {"content": None}}]}),
    Canned(body=[1, 2, 3]),
    Canned(body={"error": {"message": "nope"}}),
])
def test_a_reply_that_is_no_completion_fails_for_good(openai, requested, reply):
    openai.reply(reply)
    request = run(requested("llm.chat", {"prompt": "hi"}))
    assert (request.status, request.error, request.attempts) == (ActionStatus.FAILED, "bad_reply", 1)


def test_a_completion_without_token_counts_has_no_cost(openai, requested):
    reply = completion()
    del reply["usage"]
    openai.reply(Canned(body=reply))
    request = run(requested("llm.chat", {"prompt": "hi"}))
    assert request.status == ActionStatus.SUCCEEDED
    assert (request.result["usage"], request.result["cost"]) == (None, None)
    assert request.usage == {"cost": None, "model": "fake-model-2024"}


def test_rate_limits_5xx_and_timeouts_are_retried_a_wrong_key_is_not(openai, requested, configure):
    configure(LLM_TIMEOUT_SECONDS=0.3)
    openai.reply(Canned(status=429, body={"error": "slow down"}), Canned(status=500, body={"error": "oops"}),
                 Canned(body=completion(), delay=3), Canned(body=completion(content="ok")))
    request = requested("llm.chat", {"prompt": "hi"})
    errors = [run(request).error for _ in range(3)]
    assert errors == ["http_status", "http_status", "timeout"] and request.status == ActionStatus.PENDING
    request = run(request)
    assert (request.status, request.attempts, request.result["content"]) == (ActionStatus.SUCCEEDED, 4, "ok")
    assert {seen.headers["Idempotency-Key"] for seen in openai.requests} == {str(request.pk)}

    openai.reply(Canned(status=401, body={"error": {"message": "Incorrect API key"}}))
    refused = run(requested("llm.chat", {"prompt": "hi"}))
    assert (refused.status, refused.error) == (ActionStatus.FAILED, "http_status")
    assert "Incorrect API key" in refused.error_message
