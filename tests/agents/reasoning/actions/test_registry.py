"""The registry: what may be registered, the args schema subset and its refusals, and plans checked against it."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from agents.reasoning.actions.registry import (
    action,
    action_args_check,
    action_get,
    action_register,
    action_unregister,
    actions_known,
    actions_load,
)
from agents.reasoning.plans.services import plan_create
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM

BUILT_IN = {"log", "notify", "http.post", "llm.chat"}


def _noop(args, context):
    return {}


def test_the_built_ins_and_the_deployments_actions_are_known():
    """ACTIONS_MODULES of the test environment names tests.support.actions: it is loaded at start."""
    assert BUILT_IN | {"crm.create_lead", "tests.echo", "tests.flaky"} <= set(actions_known())
    assert actions_known() == sorted(actions_known())
    assert action_get("http.post").schema["required"] == ["url"]
    assert action_get("nope") is None


def test_the_decorator_registers_and_loading_again_changes_nothing():
    try:
        @action("tests.decorated", schema={"type": "object", "properties": {"n": {"type": "integer"}}},
                description="For this test.")
        def decorated(args, context):
            return {"n": args.get("n")}

        assert action_get("tests.decorated").func is decorated
        assert action_get("tests.decorated").description == "For this test."
        before = set(actions_known())
        actions_load()  # the built-ins and ACTIONS_MODULES again: each module is imported once
        assert set(actions_known()) == before
    finally:
        action_unregister("tests.decorated")


@pytest.mark.parametrize(("name", "schema", "problem"), [
    ("Crm.Lead", None, "lower-case words"),
    ("crm..lead", None, "lower-case words"),
    ("x" * 201, None, "at most 200"),
    ("tests.bad", {"type": "object", "oneOf": []}, "'oneOf'"),
    ("tests.bad", {"type": "array"}, "must be object"),
    ("tests.bad", {"type": "object", "properties": {"a": {"type": "text"}}}, "unknown type 'text'"),
    ("tests.bad", {"type": "object", "properties": {"a": {"pattern": "("}}}, "schema.properties.a.pattern"),
    ("tests.bad", {"type": "object", "properties": {"a": {"format": "email"}}}, "only uri"),
])
def test_a_bad_name_or_schema_stops_the_start(name, schema, problem):
    with pytest.raises(ImproperlyConfigured, match=problem if problem[0] != "'" else f"uses {problem}"):
        action_register(name, _noop, schema=schema)
    assert name not in actions_known()


def test_one_name_for_two_functions_is_refused():
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        action_register("log", _noop)
    assert action_get("log").func.__module__ == "agents.reasoning.actions.builtins.log"


def test_a_module_that_cannot_be_imported_names_itself():
    with pytest.raises(ImproperlyConfigured, match=re.escape("ACTIONS_MODULES: cannot import 'nowhere.actions'")):
        actions_load(["nowhere.actions"])


SCHEMA = {"type": "object",
          "properties": {"url": {"type": "string", "format": "uri"}, "n": {"type": "integer", "minimum": 1},
                         "tags": {"type": "array", "maxItems": 2, "items": {"enum": ["a", "b"]}},
                         "meta": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"},
                                  "additionalProperties": {"type": "string", "maxLength": 3}},
                         "ratio": {"type": "number", "exclusiveMaximum": 1}},
          "required": ["url"], "additionalProperties": False}


@pytest.mark.parametrize(("args", "path", "words"), [
    ({}, "args.url", "required"),
    ({"url": "ftp://x.example/"}, "args.url", "http:// or https://"),
    ({"url": "http:///nohost"}, "args.url", "with a host"),
    ({"url": "http://x.example:99999/"}, "args.url", "port"),
    ({"url": 3}, "args.url", "Must be string"),
    ({"url": "http://a.example/", "n": 0}, "args.n", "At least 1"),
    ({"url": "http://a.example/", "n": 1.5}, "args.n", "Must be integer"),
    ({"url": "http://a.example/", "n": True}, "args.n", "Must be integer"),
    ({"url": "http://a.example/", "tags": ["a", "c"]}, "args.tags[1]", "one of a, b"),
    ({"url": "http://a.example/", "tags": ["a", "b", "a"]}, "args.tags", "At most 2"),
    ({"url": "http://a.example/", "meta": {"Bad": "x"}}, "args.meta.Bad", "Does not match"),
    ({"url": "http://a.example/", "meta": {"ok": "long"}}, "args.meta.ok", "At most 3"),
    ({"url": "http://a.example/", "ratio": 1}, "args.ratio", "less than 1"),
    ({"url": "http://a.example/", "extra": 1}, "args.extra", "Unknown argument 'extra'"),
    ({"url": "http://a.example/\x00"}, "args.url", "NUL"),
    ("not an object", "args", "JSON object"),
])
def test_args_that_do_not_fit_are_refused_naming_the_field(args, path, words):
    action_register("tests.schema", _noop, schema=SCHEMA)
    try:
        with pytest.raises(InvalidInput) as caught:
            action_args_check(action_get("tests.schema"), args)
        assert list(caught.value.fields) == [path]
        assert words.lower() in caught.value.fields[path][0].lower()
    finally:
        action_unregister("tests.schema")


def test_args_that_fit_pass_and_computed_parts_wait_for_the_run():
    action_register("tests.schema", _noop, schema=SCHEMA)
    try:
        spec = action_get("tests.schema")
        action_args_check(spec, {"url": "https://a.example/x", "n": 2, "tags": ["b"], "meta": {"k": "v"}})
        action_args_check(spec, {"url": {"expr": "U"}, "n": {"expr": "N"}}, partial=True)
        action_args_check(spec, {"expr": "Args"}, partial=True)
        with pytest.raises(InvalidInput):  # outside a plan, an {"expr"} object is just a wrong value
            action_args_check(spec, {"url": {"expr": "U"}})
    finally:
        action_unregister("tests.schema")


# -- Plans are checked against the registry when they are saved -------------------------------------------

def plan(org, *steps):
    return plan_create(document={"trigger": {"kind": "goal_added", "name": "sell"}, "args": ["Name"],
                                 "body": list(steps)}, organization=org, by=SYSTEM)


@pytest.mark.django_db
@pytest.mark.parametrize(("step", "path", "words"), [
    ({"kind": "action", "name": "crm.delete_everything"}, "body[0].name",
     "Unknown action 'crm.delete_everything'; the actions are crm.create_lead, http.post, llm.chat, log, notify"),
    ({"kind": "action", "name": "crm.create_lead"}, "body[0].args.name", "required"),
    ({"kind": "action", "name": "crm.create_lead", "args": {"name": ""}}, "body[0].args.name", "blank"),
    ({"kind": "action", "name": "crm.create_lead", "args": {"name": "x", "score": 101}}, "body[0].args.score",
     "At most 100"),
    ({"kind": "action", "name": "crm.create_lead", "args": {"name": "x", "owner": "me"}}, "body[0].args.owner",
     "Unknown argument"),
    ({"kind": "action", "name": "http.post", "args": {"url": "file:///etc/passwd"}}, "body[0].args.url",
     "http:// or https://"),
    ({"kind": "action", "name": "log", "args": {"level": "loud"}}, "body[0].args.level", "one of"),
])
def test_a_plan_naming_an_unknown_action_or_bad_literal_args_is_a_400(org, step, path, words):
    with pytest.raises(InvalidInput) as caught:
        plan(org, step)
    assert list(caught.value.fields) == [path]
    assert words in caught.value.fields[path][0]


@pytest.mark.django_db
def test_a_plan_with_computed_args_is_checked_for_what_it_writes(org):
    saved = plan(org, {"kind": "action", "name": "crm.create_lead", "args": {"name": {"expr": "Name"}}, "bind": "L"},
                 {"kind": "if", "condition": "L", "then": [
                     {"kind": "action", "name": "http.post", "args": {"url": {"expr": "'https://a.example/' + Name"},
                                                                     "body": {"lead": {"expr": "L"}}}}]})
    assert saved.pk
    with pytest.raises(InvalidInput) as caught:
        plan(org, {"kind": "if", "condition": "Name", "then": [
            {"kind": "action", "name": "crm.create_lead", "args": {"name": {"expr": "Name"}, "score": "high"}}]})
    assert list(caught.value.fields) == ["body[0].then[0].args.score"]
