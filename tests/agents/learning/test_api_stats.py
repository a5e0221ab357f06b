"""plans/{id}/stats/ (issue 16, part 8): driven by the real cycle and roll-up, read over HTTP by people with
real grants. The policy that applies and where it comes from, the statistics per scope, the success rate over
time, the last choices with their scores; a role template's plan seen per organization; bad parameters a 400
naming them; whoever may see the plan sees its stats, nobody else (404); queries that do not grow with rows."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.learning.services.policies import selection_policy_create, selection_policy_delete
from agents.models import AgentRole, CycleTrace, Plan, PlanOutcome, PlanStats
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from tests.support.actors import SYSTEM
from tests.support.api import client_for, create_user, fields_of
from tests.support.factories import AgentFactory, AgentGroupFactory, MembershipFactory
from tests.support.openapi import assert_conforms, served_schema
from tests.support.plan_trials import PLANS, trial
from tests.support.reasoning import World
from tests.support.supervision import person_for

pytestmark = pytest.mark.django_db

#: Authentication, the plan and its current version, the policies, the statistics, the series, the choices.
MAX_QUERIES = 12


def stats_url(plan: Plan) -> str:
    return f"/api/v1/plans/{plan.pk}/stats/"


@pytest.fixture
def team():
    """ann and bob (one role: one situation) in a group, the organization's default thompson_shared; ann tried
    the goal 12 times, bob 3."""
    world = World("ann", "bob")
    world.bob.role = world.ann.role
    world.bob.save(update_fields=["role"])
    world.risky, world.steady = world.plans(PLANS)
    world.team = AgentGroupFactory(organization=world.org, name="Sellers")
    for agent in (world.ann, world.bob):
        MembershipFactory(group=world.team, agent=agent)
    world.policy = selection_policy_create(organization=world.org, policy="thompson_shared", shared_weight=2.0,
                                           by=SYSTEM)
    for slug, times in (("ann", 12), ("bob", 3)):
        for _ in range(times):
            trial(world, slug)
    return world


def test_the_stats_of_a_plan_tell_its_policy_statistics_series_and_last_choices(team):
    client = client_for(person_for(team.org, "view"))
    response = client.get(stats_url(team.steady))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["plan"] == {"id": str(team.steady.pk), "label": "steady", "organization": str(team.org.pk),
                            "role": None, "version": 1, "trigger_kind": "goal_added", "trigger_name": "sell"}
    applied = {"organization": str(team.org.pk), "organization_name": team.org.name, "policy": "thompson_shared",
               "shared_weight": 2.0, "source": "organization", "selection_policy": str(team.policy.pk)}
    assert body["policy"] == applied and body["policies"] == [applied]

    outcomes = PlanOutcome.objects.filter(plan=team.steady)
    tried = outcomes.count()
    assert tried > 0 and outcomes.filter(success=True).count() == tried
    scopes = body["scopes"]
    assert [row["scope"] for row in scopes] == sorted(
        (row["scope"] for row in scopes), key=["organization", "role", "group", "agent"].index)  # broad first
    by_scope = {(row["scope"], row["scope_name"]): row for row in scopes}
    assert set(by_scope) == {("organization", team.org.name), ("role", "ANN"), ("group", "Sellers"),
                             ("agent", "ANN"), ("agent", "BOB")} - (
        {("agent", "BOB")} if not outcomes.filter(agent=team.bob).exists() else set())
    org_row = by_scope[("organization", team.org.name)]
    assert org_row["count"] == org_row["successes"] == tried and org_row["failures"] == 0
    assert org_row["rate"] == 1.0 and org_row["weight_success"] > 0 and org_row["weight_failure"] == 0
    assert org_row["scope_id"] == str(team.org.pk) and org_row["context"]["role"] == str(team.ann.role_id)
    assert sum(row["count"] for row in scopes if row["scope"] == "agent") == tried
    assert set(org_row) == {"scope", "scope_id", "scope_name", "organization", "context_key", "context", "count",
                            "successes", "failures", "rate", "reward_sum", "cost_sum", "weight_success",
                            "weight_failure", "updated_at"}
    assert body["scopes_truncated"] is False

    assert body["bucket"] == "hour" and body["days"] == 1 and len(body["series"]) == 24
    assert sum(point["count"] for point in body["series"]) == tried
    last = body["series"][-1]
    assert last["count"] == last["successes"] == tried and last["rate"] == 1.0
    assert all(point["rate"] is None for point in body["series"][:-1] if point["count"] == 0)

    chosen = list(CycleTrace.objects.filter(choice__plan=str(team.steady.pk)).order_by("-id")[:10])
    assert [row["id"] for row in body["recent_choices"]] == [trace.pk for trace in chosen]
    newest = body["recent_choices"][0]
    assert newest["policy"] == "thompson_shared" and "steady" in newest["why"]
    assert {score["label"] for score in newest["scores"]} == {"risky", "steady"}
    assert newest["agent_name"] in {"ANN", "BOB"} and newest["version"] == 1


def test_the_failing_plan_shows_its_failures():
    world = World("ann")
    risky, _steady = world.plans(PLANS)
    for _ in range(3):
        assert trial(world, "ann") == "risky"  # first applicable: the risky plan, every time
    body = client_for(person_for(world.org, "view")).get(stats_url(risky)).json()
    assert body["policy"]["policy"] == "first_applicable" and body["policy"]["source"] == "default"
    assert body["policy"]["selection_policy"] is None
    agent_row = next(row for row in body["scopes"] if row["scope"] == "agent")
    assert (agent_row["count"], agent_row["successes"], agent_row["failures"], agent_row["rate"]) == (3, 0, 3, 0.0)
    assert body["series"][-1] == {**body["series"][-1], "count": 3, "successes": 0, "rate": 0.0}
    assert len(body["recent_choices"]) == 3
    assert all(row["policy"] is None and row["scores"] == [] for row in body["recent_choices"])  # Jason's choice


def test_the_policy_source_follows_the_trigger_policy_then_the_default_then_the_setting(team):
    client = client_for(person_for(team.org, "view"))
    trigger = selection_policy_create(organization=team.org, trigger_kind="goal_added", trigger_name="sell",
                                      policy="thompson", by=SYSTEM)
    selection_policy_create(organization=team.org, trigger_kind="goal_added", trigger_name="buy",
                            policy="first_applicable", by=SYSTEM)
    policy = client.get(stats_url(team.steady)).json()["policy"]
    assert (policy["policy"], policy["source"], policy["selection_policy"]) == ("thompson", "trigger", str(trigger.pk))
    selection_policy_delete(policy=trigger, by=SYSTEM)
    assert client.get(stats_url(team.steady)).json()["policy"]["source"] == "organization"
    selection_policy_delete(policy=team.policy, by=SYSTEM)
    policy = client.get(stats_url(team.steady)).json()["policy"]
    assert (policy["policy"], policy["source"], policy["selection_policy"]) == ("first_applicable", "default", None)


@pytest.mark.parametrize("scope", ["agent", "group", "role", "organization"])
def test_scope_filters_the_statistics(team, scope):
    rows = client_for(person_for(team.org, "view")).get(stats_url(team.steady), {"scope": scope}).json()["scopes"]
    expected = PlanStats.objects.filter(plan=team.steady, scope=scope).count()
    assert expected > 0 and len(rows) == expected and {row["scope"] for row in rows} == {scope}


def test_day_buckets_over_a_week(team):
    body = client_for(person_for(team.org, "view")).get(stats_url(team.steady), {"bucket": "day", "days": 7}).json()
    assert body["bucket"] == "day" and body["days"] == 7 and len(body["series"]) == 7
    assert body["series"][-1]["count"] == PlanOutcome.objects.filter(plan=team.steady).count()
    assert body["series"][-1]["start"].endswith("T00:00:00Z")


@pytest.mark.parametrize(("query", "name"), [
    ({"scope": "planet"}, "scope"),
    ({"bucket": "week"}, "bucket"),
    ({"days": "0"}, "days"),
    ({"days": "31"}, "days"),
    ({"days": "abc"}, "days"),
    ({"days": "-1"}, "days"),
])
def test_a_bad_parameter_is_a_400_naming_it(org, query, name):
    plan = plan_create(document=text_to_plans("+!sell <- +sold(true).")[0], organization=org, by=SYSTEM)
    assert name in fields_of(client_for(person_for(org, "view")).get(stats_url(plan), query))


def test_whoever_may_see_the_plan_sees_its_stats_and_nobody_else(org):
    plan = plan_create(document=text_to_plans("+!sell <- +sold(true).")[0], organization=org, by=SYSTEM)
    assert client_for(person_for(org, "view")).get(stats_url(plan)).status_code == 200
    stranger = client_for(create_user(roles=("operator",)))
    for url in (stats_url(plan), f"/api/v1/plans/{uuid.uuid4()}/stats/"):
        response = stranger.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert stranger.get(stats_url(plan), {"days": "abc"}).status_code == 404  # the plan first: nothing leaks
    assert client_for(None).get(stats_url(plan)).status_code == 401


def _template_world(template: AgentRole, policy: str | None) -> World:
    world = World("ann")
    world.ann.role = template
    world.ann.save(update_fields=["role"])
    if policy:
        selection_policy_create(organization=world.org, policy=policy, by=SYSTEM)
    return world


def test_a_role_templates_plan_is_seen_per_organization_the_caller_may_view():
    template = AgentRole.objects.create(organization=None, name="Seller", slug="seller-template",
                                        responsibilities="Sell.")
    plans = [plan_create(document=document, role=template, by=SYSTEM) for document in text_to_plans(PLANS)]
    steady = plans[1]
    ours, theirs = _template_world(template, "thompson"), _template_world(template, None)
    for world in (ours, theirs):
        for _ in range(6):
            trial(world, "ann")
    client = client_for(person_for(ours.org, "view"))
    body = client.get(stats_url(steady)).json()
    assert body["plan"]["organization"] is None and body["plan"]["role"] == str(template.pk)
    assert body["policy"] is None
    assert [(row["organization"], row["policy"], row["source"]) for row in body["policies"]] == [
        (str(ours.org.pk), "thompson", "organization")]
    assert body["scopes"] and {row["organization"] for row in body["scopes"]} == {str(ours.org.pk)}
    role_rows = [row for row in body["scopes"] if row["scope"] == "role"]
    assert [row["scope_name"] for row in role_rows] == ["Seller"]
    mine = PlanOutcome.objects.filter(plan=steady, organization=ours.org).count()
    assert sum(point["count"] for point in body["series"]) == mine
    assert {row["agent"] for row in body["recent_choices"]} <= {str(ours.ann.pk)}

    admin = client_for(create_user(roles=("administrator",), is_superuser=True))
    both = admin.get(stats_url(plans[0])).json()  # risky: first applicable in theirs, tried first in ours
    assert {row["organization"]: row["source"] for row in both["policies"]} == {
        str(ours.org.pk): "organization", str(theirs.org.pk): "default"}
    assert sum(point["count"] for point in both["series"]) == PlanOutcome.objects.filter(plan=plans[0]).count()


def test_the_stats_cost_the_same_queries_for_few_rows_as_for_many(team, django_assert_max_num_queries):
    client = client_for(person_for(team.org, "view"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(stats_url(team.steady)).status_code == 200
        return len(queries.captured_queries)

    count()  # warm: content types, permission caches
    few = count()
    for slug in ("carl", "dora", "eve"):
        agent = AgentFactory(organization=team.org, role=team.ann.role, slug=slug, name=slug.upper())
        MembershipFactory(group=team.team, agent=agent)
        team.agents[slug] = agent
        for _ in range(4):
            trial(team, slug)
    body = client.get(stats_url(team.steady)).json()
    assert len([row for row in body["scopes"] if row["scope"] == "agent"]) >= 4 and len(body["recent_choices"]) == 10
    with django_assert_max_num_queries(MAX_QUERIES):
        many = count()
    assert many == few, f"{few} queries for few rows, {many} for many"


def test_the_answers_match_the_served_schema(team, client):
    schema = served_schema(client)
    api = client_for(person_for(team.org, "view"))
    assert_conforms(schema, "GET", "/api/v1/plans/{id}/stats/", api.get(stats_url(team.steady)))
    template = AgentRole.objects.create(organization=None, name="T", slug="t-template", responsibilities="T.")
    plan = plan_create(document=text_to_plans("+!sell <- +sold(true).")[0], role=template, by=SYSTEM)
    response = api.get(stats_url(plan))
    assert response.json()["policy"] is None
    assert_conforms(schema, "GET", "/api/v1/plans/{id}/stats/", response)
