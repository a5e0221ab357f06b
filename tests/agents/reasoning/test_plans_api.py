"""/api/v1/plans/: create as JSON or text, read as JSON or text, versions, disable; hostile input writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import Plan, PlanVersion
from agents.reasoning.plans.services import plan_create
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import AgentFactory, AgentRoleFactory, BeliefFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

TEXT = """@keep_runway
+!keep_runway(Months) : cash < 3 * monthly_costs
    <- !cut_costs;
       .send(cfo, inform, {"runway": Months});
       +cost_cut."""


@pytest.fixture
def author(org):
    user = create_user(roles=("operator",))
    grant(user, org, "view", "change")
    return user


@pytest.fixture
def cfo(org):
    agent = AgentFactory(organization=org, slug="cfo")
    BeliefFactory(agent=agent, key="cash", value=10)
    BeliefFactory(agent=agent, key="monthly_costs", value=5)
    return agent


def json_plan(org, **extra):
    return {"organization": str(org.pk), "trigger": {"kind": "goal_added", "name": "keep_runway"},
            "args": ["Months"], "context": "cash < 3 * monthly_costs",
            "body": [{"kind": "achieve", "goal": "cut_costs"},
                     {"kind": "send", "to": "cfo", "performative": "inform", "content": {"runway": {"expr": "Months"}}}],
            **extra}


def test_create_as_text_then_read_as_json_and_as_text(org, cfo, author):
    client = client_for(author)
    response = client.post("/api/v1/plans/", {"organization": str(org.pk), "text": TEXT}, format="json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert (plan["label"], plan["version"], plan["enabled"], plan["organization"]) == \
        ("keep_runway", 1, True, str(org.pk))
    assert plan["trigger"] == {"kind": "goal_added", "name": "keep_runway"} and plan["args"] == ["Months"]
    assert plan["body"][1] == {"kind": "send", "to": "cfo", "performative": "inform",
                               "content": {"runway": {"expr": "Months"}}, "ontology": "", "protocol": ""}
    text = client.get(f"/api/v1/plans/{plan['id']}/?format=text")
    assert text.status_code == 200 and text["Content-Type"].startswith("text/plain")
    assert text.content.decode() == "@keep_runway[order(0)]\n" + TEXT.split("\n", 1)[1] + "\n"
    assert client.get(f"/api/v1/plans/{plan['id']}/").json() == plan


def test_create_as_json_and_new_versions_as_json_fields_or_text(org, cfo, author):
    client = client_for(author)
    plan = client.post("/api/v1/plans/", json_plan(org), format="json").json()
    url = f"/api/v1/plans/{plan['id']}/versions/"
    second = client.post(url, {"version": 1, "context": "cash < 2 * monthly_costs"}, format="json")
    assert second.status_code == 201, second.content
    assert (second.json()["version"], second.json()["is_current"], second.json()["body"]) == (2, True, plan["body"])
    third = client.post(url, {"text": "+!keep_runway(Months) <- .succeed."}, format="json", HTTP_IF_MATCH='"2"')
    assert third.status_code == 201, third.content
    assert third.json()["body"] == [{"kind": "succeed"}] and third.json()["source_order"] == plan["source_order"]
    same = client.post(url, {"version": 3, "text": "+!keep_runway(Months) <- .succeed."}, format="json")
    assert same.status_code == 200 and same.json()["version"] == 3
    stale = client.post(url, {"version": 1, "context": ""}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert "version" in fields_of(client.post(url, {"context": ""}, format="json"))
    versions = client.get(url).json()
    assert [(v["version"], v["is_current"]) for v in versions["results"]] == [(3, True), (2, False), (1, False)]
    detail = client.get(f"/api/v1/plans/{plan['id']}/").json()
    assert (detail["version"], detail["version_id"]) == (3, versions["results"][0]["id"])


def test_disable_and_enable(org, cfo, author):
    client = client_for(author)
    plan = client.post("/api/v1/plans/", json_plan(org), format="json").json()
    response = client.post(f"/api/v1/plans/{plan['id']}/disable/", {"reason": "paused"}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert client.get("/api/v1/plans/?enabled=false").json()["count"] == 1
    assert client.post(f"/api/v1/plans/{plan['id']}/enable/", {}, format="json").json()["enabled"] is True


def test_list_filters(org, cfo, author):
    plan_create(document={"trigger": {"kind": "goal_added", "name": "keep_runway"}}, organization=org, by=SYSTEM)
    plan_create(document={"trigger": {"kind": "message", "performative": "request"}}, organization=org, by=SYSTEM)
    other = OrganizationFactory()
    plan_create(document={"trigger": {"kind": "goal_added", "name": "x"}}, organization=other, by=SYSTEM)
    template = AgentRoleFactory(organization=None, slug="cfo-t")
    plan_create(document={"trigger": {"kind": "timer", "name": "monthly"}}, role=template, by=SYSTEM)
    client = client_for(author)

    def labels(query):
        response = client.get(f"/api/v1/plans/?{query}")
        assert response.status_code == 200, response.content
        return sorted(row["label"] for row in response.json()["results"])

    assert labels("") == ["keep_runway", "monthly", "request"]  # the other organization's is not visible
    assert labels(f"organization={org.pk}") == ["keep_runway", "request"]
    assert labels("trigger_kind=message") == ["request"]
    assert labels("trigger_name=keep_runway") == ["keep_runway"]
    assert labels("is_template=true") == ["monthly"]
    assert labels(f"role={template.pk}") == ["monthly"]
    assert "trigger_kind" in fields_of(client.get("/api/v1/plans/?trigger_kind=sometimes"))


def test_the_list_costs_the_same_queries_for_2_plans_as_for_20(org, cfo, author, django_assert_max_num_queries):
    client = client_for(author)

    def add(n):
        for _ in range(n):
            plan_create(document={"trigger": {"kind": "goal_added", "name": "g"}}, organization=org, by=SYSTEM)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/plans/?page_size=100")
        assert response.status_code == 200
        return len(queries.captured_queries), response.json()["count"]

    add(2)
    count()
    few, two = count()
    add(18)
    with django_assert_max_num_queries(12):
        many, twenty = count()
    assert (two, twenty) == (2, 20) and few == many


def test_template_plans_are_for_administrators_to_write_and_everyone_to_read(org, cfo, author, administrator):
    template = AgentRoleFactory(organization=None, slug="cfo-t")
    body = {"role": str(template.pk), "text": "^timer:monthly <- !review."}
    refused = client_for(author).post("/api/v1/plans/", body, format="json")
    assert refused.status_code == 403 and not Plan.objects.exists()
    created = client_for(administrator).post("/api/v1/plans/", body, format="json")
    assert created.status_code == 201, created.content
    stranger = create_user(roles=("viewer",))
    assert client_for(stranger).get(f"/api/v1/plans/{created.json()['id']}/").status_code == 200
    assert client_for(author).post(f"/api/v1/plans/{created.json()['id']}/disable/", {},
                                   format="json").status_code == 403
    organization_role = AgentRoleFactory(organization=org)
    assert "role" in fields_of(client_for(administrator).post(
        "/api/v1/plans/", {**body, "role": str(organization_role.pk)}, format="json"))


def test_errors_are_json_even_when_text_was_asked_for(author):
    response = client_for(author).get("/api/v1/plans/00000000-0000-0000-0000-000000000000/?format=text")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def hostile(name, body, field):
    return pytest.param(body, field, id=name)


HOSTILE = [
    hostile("unknown step kind", {"body": [{"kind": "exec", "code": "rm -rf /"}]}, "body[0].kind"),
    hostile("missing argument", {"body": [{"kind": "send", "performative": "inform"}]}, "body[0].to"),
    hostile("bad expression", {"context": "().__class__.__bases__[0].__subclasses__()"}, "context"),
    hostile("nested bad expression", {"body": [{"kind": "if", "condition": "cash > 1",
                                                "then": [{"kind": "constraint", "condition": "__import__('os')"}]}]},
            "body[0].then[0].condition"),
    hostile("over-size body", {"body": [{"kind": "add_belief", "belief": "x", "value": "y" * 40_000}]}, "body"),
    hostile("unknown belief", {"context": "secret_of_someone > 1"}, "context"),
    hostile("send to another organization", {"body": [{"kind": "send", "to": "stranger",
                                                       "performative": "inform"}]}, "body[0].to"),
    hostile("unknown field", {"owner": "me"}, "owner"),
    hostile("text and json", {"text": "+!g.", "trigger": None, "args": None, "body": None}, "context"),
    hostile("two plans in one text", {"text": "+!a. +!b.", "trigger": None, "args": None, "context": None,
                                      "body": None}, "text"),
    hostile("unknown step", {"body": [{"kind": "teleport"}]}, "body[0].kind"),
]


@pytest.mark.parametrize(("change", "field"), HOSTILE)
def test_hostile_input_is_a_400_naming_the_path_and_writes_nothing(org, cfo, author, change, field):
    AgentFactory(organization=OrganizationFactory(), slug="stranger")
    client = client_for(author)
    before = AuditEvent.objects.count()
    body = {**json_plan(org), **change}
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post("/api/v1/plans/", data=json.dumps(body), content_type="application/json")
    assert field in fields_of(response), response.json()
    assert not PlanVersion.objects.exists() and AuditEvent.objects.count() == before


@pytest.mark.parametrize(("text", "where"), [
    ("+!g <- !a\n  !b.", "line 2, column 3"),
    ("+!g : cash < 3 <- .send(cfo inform, 1).", "line 1, column 29"),
    ("+!a. +!b.", None),
])
def test_a_text_with_a_syntax_error_names_the_line_and_the_column(org, cfo, author, text, where):
    response = client_for(author).post("/api/v1/plans/", {"organization": str(org.pk), "text": text}, format="json")
    message = fields_of(response)["text"][0]
    assert message.startswith(f"{where}: ") if where else "one plan per request" in message, message
    assert not Plan.objects.exists()


def test_the_escape_corpus_is_refused_by_the_plan_api_as_json_and_as_text(org, cfo, author):
    """Every payload the expression checker refuses (escape_corpus.json, next to this file) is a 400 at the
    plan API too, whether posted as a context in JSON or inside a text; nothing is written."""
    corpus = json.loads((Path(__file__).parent / "escape_corpus.json").read_text())
    refused = [case["payload"] for case in corpus if case["expect"] == "refused"]
    assert len(refused) >= 50
    client = client_for(author)
    for payload in refused:
        as_json = client.post("/api/v1/plans/", {**json_plan(org), "context": payload}, format="json")
        assert as_json.status_code == 400 and set(as_json.json()["fields"]) & {"context", "non_field_errors"}, \
            (payload, as_json.content[:300])
        as_text = client.post("/api/v1/plans/", {"organization": str(org.pk),
                                                 "text": f"+!keep_runway : {payload} <- .succeed."}, format="json")
        assert as_text.status_code == 400 and set(as_text.json()["fields"]) & {"context", "text"}, \
            (payload, as_text.content[:300])
    assert not Plan.objects.exists()
