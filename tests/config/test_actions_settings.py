"""The ACTIONS_* settings: read into settings.ACTIONS, and the rules that keep the action worker's lease sound."""

from __future__ import annotations

import pytest

from config.env import ConfigError, load_config
from config.settings.workers import actions_settings, celery_settings


def problems_of(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(env)
    return info.value.problems


def test_the_defaults_load_and_reach_settings():
    config = load_config({})
    actions = actions_settings(config)
    assert actions["MODULES"] == [] and actions["HTTP_ALLOWED_HOSTS"] == [] and actions["LLM_BASE_URL"] == ""
    assert actions["LEASE_SECONDS"] > 2 * max(actions["HTTP_TIMEOUT_SECONDS"], actions["LLM_TIMEOUT_SECONDS"])
    assert load_config({"MABOS_ENV": "test"}).ACTIONS_MODULES == ["tests.support.actions"]
    beat = celery_settings(config)["CELERY_BEAT_SCHEDULE"]["agents-sweep-actions"]
    assert (beat["task"], beat["options"]["queue"]) == ("agents.sweep_actions", "actions")


def test_lists_and_the_llm_are_read():
    config = load_config({"ACTIONS_MODULES": "acme.actions, acme.crm", "ACTIONS_HTTP_ALLOWED_HOSTS":
                          "hooks.example.com,*.crm.example.com,10.0.0.5:8080,[::1]:9000",
                          "ACTIONS_LLM_BASE_URL": "https://api.openai.com/v1", "ACTIONS_LLM_MODEL": "gpt-4o-mini"})
    assert config.ACTIONS_MODULES == ["acme.actions", "acme.crm"]
    assert len(config.ACTIONS_HTTP_ALLOWED_HOSTS) == 4 and config.ACTIONS_LLM_MODEL == "gpt-4o-mini"


@pytest.mark.parametrize(("env", "fragment"), [
    ({"ACTIONS_LEASE_SECONDS": "100"}, "above twice ACTIONS_LLM_TIMEOUT_SECONDS=60"),
    ({"ACTIONS_LEASE_SECONDS": "30", "ACTIONS_LLM_TIMEOUT_SECONDS": "5", "ACTIONS_HTTP_TIMEOUT_SECONDS": "20"},
     "above twice ACTIONS_HTTP_TIMEOUT_SECONDS=20"),
    ({"ACTIONS_LEASE_SECONDS": "250"}, "below CELERY_TASK_SOFT_TIME_LIMIT=240"),
    ({"ACTIONS_HTTP_ALLOWED_HOSTS": "https://hooks.example.com/x"}, "is not host, host:port or *.domain"),
    ({"ACTIONS_LLM_BASE_URL": "ftp://models.example.com"}, "ACTIONS_LLM_BASE_URL has scheme 'ftp'"),
    ({"ACTIONS_MAX_ATTEMPTS": "0"}, "ACTIONS_MAX_ATTEMPTS=0 is below the minimum 1"),
])
def test_bad_action_settings_are_named_with_an_example(env, fragment):
    assert any(fragment in problem for problem in problems_of(env)), problems_of(env)
