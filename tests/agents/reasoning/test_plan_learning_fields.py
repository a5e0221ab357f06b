"""A plan declares how learning judges it (issue 16 parts 1-2): ``learning`` with its reward, cost and features,
in the JSON and the text form, checked like every expression of a plan, stored immutable with its version."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from agents.models import Plan, PlanVersion
from agents.reasoning.cycle.library import Library
from agents.reasoning.plans.services import plan_create, plan_document, plan_revise
from agents.reasoning.plans.text import plan_to_text, text_to_plans
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import AgentFactory, BeliefFactory

pytestmark = pytest.mark.django_db

NONE = {"reward": "", "cost": "", "features": {}}
#: The body binds C in one branch only and Tokens after it: both may be read by reward and cost.
BODY = [{"kind": "if", "condition": "Lead", "then": [{"kind": "test", "belief": "cash", "bind": "C"}]},
        {"kind": "test", "belief": "tokens_used", "bind": "Tokens"}]
TEXT = """@sell[reward(C / 1000), cost(Tokens), feature(segment, belief('segment', 'smb')), feature(big, Lead > 3)]
+!sell(Lead) <- ?tokens_used(Tokens); ?cash(C)."""


@pytest.fixture
def author(org):
    user = create_user(roles=("operator",))
    grant(user, org, "view", "change")
    return user


@pytest.fixture
def cfo(org):
    agent = AgentFactory(organization=org, slug="cfo")
    BeliefFactory(agent=agent, key="cash", value=10)
    BeliefFactory(agent=agent, key="tokens_used", value=5)
    return agent


def doc(**extra):
    return {"trigger": {"kind": "goal_added", "name": "sell"}, "args": ["Lead"], "body": BODY, **extra}


def stored(plan):
    return plan_document(plan.versions.get(is_current=True))


def test_a_plan_without_learning_stores_and_returns_the_defaults(org, cfo):
    for given in ({}, {"learning": None}, {"learning": {}}, {"learning": {"reward": None, "features": None}}):
        plan = plan_create(document=doc(**given), organization=org, by=SYSTEM)
        assert stored(plan)["learning"] == NONE
        assert plan.versions.get().learning == NONE
    head = plan_to_text(stored(plan)).split("\n")[0]
    assert head == f"@{plan.label}[order({stored(plan)['source_order']})]"  # no learning annotation printed


def test_a_partial_object_is_completed_and_expressions_are_canonical(org, cfo):
    plan = plan_create(document=doc(learning={"reward": "  C  /\n 1000 ", "features": {"segment": "belief('segment',  1)"}}),
                       organization=org, by=SYSTEM)
    assert stored(plan)["learning"] == {"reward": "C / 1000", "cost": "",
                                        "features": {"segment": "belief('segment', 1)"}}


def test_a_version_written_before_the_field_reads_as_the_defaults(org, cfo):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    old = PlanVersion.objects.create(plan=plan, version=2, is_current=False, trigger_kind="goal_added",
                                     trigger_name="sell", learning={})
    assert plan_document(old)["learning"] == NONE


def test_the_text_form_reads_prints_and_stores_the_annotations(org, cfo):
    [document] = text_to_plans(TEXT)
    learning = {"reward": "C / 1000", "cost": "Tokens",
                "features": {"big": "Lead > 3", "segment": "belief('segment', 'smb')"}}
    assert document["learning"] == learning
    plan = plan_create(document=document, organization=org, by=SYSTEM)
    assert stored(plan)["learning"] == learning
    printed = plan_to_text(stored(plan))
    # Features print in key order, after atomic and order.
    assert printed.startswith("@sell[order(0), reward(C / 1000), cost(Tokens), feature(big, Lead > 3), "
                              "feature(segment, belief('segment', 'smb'))]\n")
    assert text_to_plans(printed) == [stored(plan)]
    assert text_to_plans("@[reward(1)] +!g.")[0]["learning"] == {**NONE, "reward": "1"}  # no label
    assert text_to_plans('@[feature("if", 1)] +!g.')[0]["learning"]["features"] == {"if": "1"}


def test_the_api_takes_and_gives_learning_as_json_and_as_text(org, cfo, author):
    client = client_for(author)
    learning = {"reward": "C / 1000", "cost": "Tokens", "features": {"segment": "belief('segment', 'smb')"}}
    response = client.post("/api/v1/plans/", {"organization": str(org.pk), **doc(learning=learning)}, format="json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["learning"] == learning
    assert client.get(f"/api/v1/plans/{plan['id']}/").json()["learning"] == learning
    assert client.get(f"/api/v1/plans/{plan['id']}/versions/").json()["results"][0]["learning"] == learning
    text = client.get(f"/api/v1/plans/{plan['id']}/?format=text").content.decode()
    assert "reward(C / 1000), cost(Tokens), feature(segment, belief('segment', 'smb'))" in text
    as_text = client.post("/api/v1/plans/", {"organization": str(org.pk), "text": TEXT.replace("@sell", "@sell2")},
                          format="json")
    assert as_text.status_code == 201, as_text.content
    assert as_text.json()["learning"]["features"] == {"big": "Lead > 3", "segment": "belief('segment', 'smb')"}


def test_a_changed_reward_is_a_new_version_and_the_same_learning_is_none(org, cfo, author):
    plan = plan_create(document=doc(learning={"reward": "C"}), organization=org, by=SYSTEM)
    assert plan_revise(plan=plan, document=doc(learning={"reward": "C", "cost": ""}), by=SYSTEM).version == 1
    second = plan_revise(plan=plan, document=doc(learning={"reward": "C * 2"}), by=SYSTEM)
    assert (second.version, plan_document(second)["learning"]["reward"]) == (2, "C * 2")
    change = AuditEvent.objects.filter(target_id=str(plan.pk), action="update").get()
    assert set(change.changes) == {"version", "learning"}
    url = f"/api/v1/plans/{plan.pk}/versions/"
    third = client_for(author).post(url, {"version": 2, "learning": {"cost": "Tokens"}}, format="json")
    assert third.status_code == 201, third.content
    assert (third.json()["version"], third.json()["learning"]) == (3, {**NONE, "cost": "Tokens"})


def bad(field, learning):
    return pytest.param(learning, field, id=f"{field}: {learning!r}"[:60])


BAD = [
    bad("learning.reward", {"reward": "cash.real"}),  # attribute access
    bad("learning.reward", {"reward": "__import__('os')"}),
    bad("learning.reward", {"reward": "(lambda: 1)()"}),
    bad("learning.reward", {"reward": "Unbound + 1"}),
    bad("learning.reward", {"reward": "cash <-1"}),  # no text form reads it back
    bad("learning.reward", {"reward": 3}),
    bad("learning.reward", {"reward": "1 # x"}),  # a comment: the text form would lose the rest of the line
    bad("learning.features.segment", {"features": {"big": "Lead > 3", "segment": "1 # x"}}),
    bad("learning.cost", {"cost": "mystery * 2"}),  # no such belief
    bad("learning.features.segment", {"features": {"segment": "C > 1"}}),  # C: bound by the body, not at selection
    bad("learning.features.segment", {"features": {"segment": 3}}),
    bad("learning.features.segment", {"features": {"segment": ""}}),
    bad("learning.features", {"features": {"Segment": "1"}}),
    bad("learning.features", {"features": {"a-b": "1"}}),
    bad("learning.features", {"features": {"x" * 41: "1"}}),
    bad("learning.features.role", {"features": {"role": "1"}}),
    bad("learning.features.organization", {"features": {"organization": "1"}}),
    bad("learning.features", {"features": {f"f{index}": "1" for index in range(9)}}),
    bad("learning.features", {"features": ["segment"]}),
    bad("learning.rewards", {"rewards": "1"}),
    bad("learning", "C / 1000"),
    bad("learning", ["C"]),
]


@pytest.mark.parametrize(("learning", "field"), BAD)
def test_a_bad_learning_is_a_400_naming_it_and_nothing_is_written(org, cfo, author, learning, field):
    client = client_for(author)
    plans, audits = Plan.objects.count(), AuditEvent.objects.count()
    response = client.post("/api/v1/plans/", {"organization": str(org.pk), **doc(learning=learning)}, format="json")
    assert list(fields_of(response)) == [field], response.json()
    assert (Plan.objects.count(), AuditEvent.objects.count()) == (plans, audits)


def test_nine_features_in_the_text_form_are_refused_too(org, cfo, author):
    features = ", ".join(f"feature(f{index}, 1)" for index in range(9))
    response = client_for(author).post("/api/v1/plans/", {"organization": str(org.pk),
                                                          "text": f"@many[{features}] +!g."}, format="json")
    assert list(fields_of(response)) == ["learning.features"]
    assert not Plan.objects.exists()


def test_the_cycle_candidate_carries_the_learning_with_defaults(org, cfo):
    plan = plan_create(document=doc(learning={"reward": "C"}), organization=org, by=SYSTEM)
    version = plan.versions.select_related("plan").get()
    assert Library([version]).version(version.pk).learning == {**NONE, "reward": "C"}


def test_postgresql_refuses_an_update_of_learning(org, cfo):
    plan = plan_create(document=doc(learning={"reward": "C"}), organization=org, by=SYSTEM)
    version = plan.versions.get()
    for learning in ({**NONE, "reward": "C * 2"}, {}):
        with pytest.raises(IntegrityError, match="a version never changes"), transaction.atomic():
            PlanVersion.objects.filter(pk=version.pk).update(learning=learning)
    version.refresh_from_db()
    assert version.learning == {**NONE, "reward": "C"}
