"""Learning in the admin (issue 16, part 8): the plan's page shows its success rate per hour as server-side SVG
(every name escaped), its statistics per scope, the policy in force and its last choices; selection policies
are written through their services (a refusal on the field it names, nothing written); outcomes and statistics
are read-only."""

from __future__ import annotations

import re

import pytest

from agents.learning.services.policies import selection_policy_create
from agents.models import GroupLearning, PlanOutcome, PlanStats, SelectionPolicy
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.learning import HOSTILE, learning_team, trials

pytestmark = pytest.mark.django_db

POLICIES = "/admin/agents/selectionpolicy/"


def _staff(org, *verbs):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, *verbs)
    return user


def plan_page(user, plan) -> str:
    response = staff_client(user).get(f"/admin/agents/plan/{plan.pk}/change/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def learning_section(page: str) -> str:
    match = re.search(r'<fieldset class="module aligned lc-module" id="plan-learning">(.*?)</fieldset>\s*$',
                      page, re.S | re.M)
    assert match, "the plan page has no Learning section"
    return match.group(1)


def point_titles(svg: str) -> list[str]:
    return re.findall(r'<circle class="lc-point"[^>]*><title>(.*?)</title></circle>', svg)


@pytest.fixture
def team():
    team = learning_team(group_name=HOSTILE)
    trials(team, "ann", 6, hours_ago=3)
    trials(team, "bob", 4)
    return team


def test_the_plan_page_draws_the_success_rate_per_hour_for_the_organization_and_the_group(team):
    user = _staff(team.org, "view")
    group = "group &lt;script&gt;alert(&quot;group&quot;)&lt;/script&gt;"
    for plan in (team.steady, team.risky):
        svg = learning_section(plan_page(user, plan)).split("<svg", 1)[1].split("</svg>", 1)[0]
        hours: dict = {}
        for at, success in PlanOutcome.objects.filter(plan=plan).values_list("created_at", "success"):
            tally = hours.setdefault(at.replace(minute=0, second=0, microsecond=0), [0, 0])
            tally[0] += 1
            tally[1] += success
        assert len(hours) >= 1
        expected = []
        for hour, (count, won) in hours.items():
            words = f"{hour:%Y-%m-%d %H}:00 UTC: {won} of {count} succeeded ({won / count * 100:.0f}%)"
            expected += [f"organization {team.org.name}, {words}", f"{group}, {words}"]  # both agents are members
        assert sorted(point_titles(svg)) == sorted(expected)
        assert svg.count("<polyline") == (2 if len(hours) > 1 else 0)
        assert svg.count('<g class="lc-series') == 2 and "hour (UTC), from" in svg and ">100%<" in svg


def test_every_name_on_the_page_is_escaped(team):
    from agents.models import Agent, Organization

    Organization.objects.filter(pk=team.org.pk).update(name='<img src=x onerror="org">')
    Agent.objects.filter(pk=team.world.bob.pk).update(name="<b>bob</b>")
    page = plan_page(_staff(team.org, "view"), team.steady)
    assert HOSTILE not in page and "<img src=x" not in page and "<b>bob</b>" not in page
    section = learning_section(page)
    assert "&lt;script&gt;alert(&quot;group&quot;)&lt;/script&gt;" in section
    svg = section.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "organization &lt;img src=x onerror=&quot;org&quot;&gt;, " in svg
    assert "&lt;b&gt;bob&lt;/b&gt;" in section.split('id="plan-choices"')[1]


def test_the_statistics_per_scope_policy_and_last_choices(team):
    section = learning_section(plan_page(_staff(team.org, "view"), team.steady))
    stats = PlanStats.objects.filter(plan=team.steady)
    assert {row.scope for row in stats} >= {"agent", "group", "role", "organization"}
    for scope in ("agent", "group", "role", "organization"):
        table = section.split(f'id="plan-stats-{scope}"', 1)[1].split("</table>", 1)[0]
        for row in stats.filter(scope=scope):
            assert f'<td class="lc-num">{row.count}</td><td class="lc-num">{row.successes}</td>' in table
            assert f"{row.weight_success:.3f}" in table
    org_row = stats.get(scope="organization")
    assert f"{team.org.name}</td>" in section.split('id="plan-stats-organization"')[1]
    assert f"{round(100 * org_row.successes / org_row.count)}%" in section
    policy = section.split('id="plan-policy"', 1)[1].split("</p>", 1)[0]
    assert "<strong>thompson_shared</strong>" in policy and "the organization's default" in policy
    default = SelectionPolicy.objects.get(organization=team.org)
    assert f"/admin/agents/selectionpolicy/{default.pk}/change/" in policy
    assert "trigger_kind=goal_added&amp;trigger_name=sell" in policy
    choices = section.split('id="plan-choices"', 1)[1].split("</table>\n", 1)[0]
    chosen = [t for t in (team.world.ann.traces.all() | team.world.bob.traces.all())
              if t.choice and t.choice.get("plan") == str(team.steady.pk)]
    assert chosen and choices.count("<tr><td><time") == min(10, len(chosen))
    assert "sampled" in choices and "risky" in choices and "steady" in choices


def test_a_trigger_policy_is_the_one_shown_and_the_settings_default_without_any(team):
    selection_policy_create(organization=team.org, trigger_kind="goal_added", trigger_name="sell",
                            policy="thompson", by=SYSTEM)
    user = _staff(team.org, "view")
    policy = learning_section(plan_page(user, team.risky)).split('id="plan-policy"', 1)[1].split("</p>", 1)[0]
    assert "<strong>thompson</strong>" in policy and "this trigger's own policy" in policy
    SelectionPolicy.objects.filter(organization=team.org).delete()
    policy = learning_section(plan_page(user, team.risky)).split('id="plan-policy"', 1)[1].split("</p>", 1)[0]
    assert "<strong>first_applicable</strong>" in policy and "installation's default" in policy


def test_a_plan_without_outcomes_says_so():
    team = learning_team()
    section = learning_section(plan_page(_staff(team.org, "view"), team.steady))
    assert 'id="plan-learning-empty"' in section and "<svg" not in section
    assert "No statistics yet" in section and "No cycle has chosen this plan yet" in section


def test_another_organizations_outcomes_are_not_drawn(team):
    other = learning_team()
    trials(other, "ann", 3)
    section = learning_section(plan_page(_staff(team.org, "view"), team.steady))
    assert other.org.name not in section


def _policy_form(**values) -> dict:
    form = {"organization": "", "trigger_kind": "", "trigger_name": "", "policy": "thompson",
            "shared_weight": "1.0"}
    form.update({key: str(value) for key, value in values.items()})
    return form


def field_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


def test_a_policy_added_in_the_admin_goes_through_the_service(team):
    user = _staff(team.org, "view", "change")
    response = staff_client(user).post(f"{POLICIES}add/", _policy_form(
        organization=team.org.pk, trigger_kind="goal_added", trigger_name="sell", policy="thompson"))
    assert response.status_code == 302, field_errors(response)
    policy = SelectionPolicy.objects.get(organization=team.org, trigger_kind="goal_added")
    assert (policy.policy, policy.trigger_name, policy.version) == ("thompson", "sell", 1)
    [event] = AuditEvent.objects.filter(target_type="agents.selectionpolicy", target_id=str(policy.pk),
                                        action="create")
    assert event.actor_id == str(user.pk)


@pytest.mark.parametrize(("values", "field"), [
    ({"shared_weight": -1}, "shared_weight"),
    ({"shared_weight": 11}, "shared_weight"),
    ({"trigger_kind": "goal_added"}, "trigger_name"),
    ({}, "organization"),  # the organization already has a default
])
def test_a_refused_policy_shows_the_services_error_on_its_field_and_writes_nothing(team, values, field):
    user = _staff(team.org, "view", "change")
    before = list(SelectionPolicy.objects.values_list("pk", "policy", "shared_weight", "version"))
    client = staff_client(user)
    audits = AuditEvent.objects.filter(target_type="agents.selectionpolicy").count()
    response = client.post(f"{POLICIES}add/", _policy_form(organization=team.org.pk, **values))
    errors = field_errors(response)
    assert list(errors) == [field], errors
    assert list(SelectionPolicy.objects.values_list("pk", "policy", "shared_weight", "version")) == before
    assert AuditEvent.objects.filter(target_type="agents.selectionpolicy").count() == audits


def test_a_policy_changed_in_the_admin_and_a_negative_weight_refused(team):
    user = _staff(team.org, "view", "change")
    policy = SelectionPolicy.objects.get(organization=team.org)
    url = f"{POLICIES}{policy.pk}/change/"
    response = staff_client(user).post(url, {"policy": "thompson_shared", "shared_weight": "-0.5",
                                             "expected_version": policy.version})
    assert field_errors(response) == {"shared_weight": ["A number from 0 to 10."]}
    policy.refresh_from_db()
    assert (policy.shared_weight, policy.version) == (1.0, 1)
    response = staff_client(user).post(url, {"policy": "thompson_shared", "shared_weight": "2.5",
                                             "expected_version": policy.version})
    assert response.status_code == 302, field_errors(response)
    policy.refresh_from_db()
    assert (policy.policy, policy.shared_weight, policy.version) == ("thompson_shared", 2.5, 2)
    assert AuditEvent.objects.filter(target_type="agents.selectionpolicy", target_id=str(policy.pk),
                                     action="update").count() == 1


def test_the_policy_name_is_changed_in_the_admin(team):
    user = _staff(team.org, "view", "change")
    policy = SelectionPolicy.objects.get(organization=team.org)
    response = staff_client(user).post(f"{POLICIES}{policy.pk}/change/", {
        "policy": "thompson", "shared_weight": "1.0", "expected_version": policy.version})
    assert response.status_code == 302, field_errors(response)


def test_a_policy_deleted_in_the_admin_is_audited(team):
    user = _staff(team.org, "view", "change")
    policy = SelectionPolicy.objects.get(organization=team.org)
    response = staff_client(user).post(f"{POLICIES}{policy.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SelectionPolicy.objects.filter(pk=policy.pk).exists()
    assert AuditEvent.objects.filter(target_type="agents.selectionpolicy", target_id=str(policy.pk),
                                     action="delete").count() == 1


def test_a_viewer_cannot_change_a_policy_and_another_organization_sees_none(team):
    policy = SelectionPolicy.objects.get(organization=team.org)
    viewer = _staff(team.org, "view")
    response = staff_client(viewer).post(f"{POLICIES}{policy.pk}/change/", {"policy": "thompson",
                                                                              "shared_weight": "1"})
    assert response.status_code == 403
    stranger = _staff(learning_team().org, "view")
    assert staff_client(stranger).get(f"{POLICIES}{policy.pk}/change/").status_code == 302  # "not found"
    assert str(team.org.name) not in staff_client(stranger).get(POLICIES).content.decode()


def test_the_group_switch_goes_through_group_sharing_set(team):
    user = _staff(team.org, "view", "change")
    response = staff_client(user).post("/admin/agents/grouplearning/add/", {"group": team.group.pk})
    assert response.status_code == 302, field_errors(response)
    assert GroupLearning.objects.get(group=team.group).sharing is False
    assert AuditEvent.objects.filter(target_id=str(team.group.pk), note="experience sharing switched").count() == 1
    response = staff_client(user).post(f"/admin/agents/grouplearning/{team.group.pk}/change/", {"sharing": "on"})
    assert response.status_code == 302, field_errors(response)
    assert GroupLearning.objects.get(group=team.group).sharing is True
    assert staff_client(user).get(f"/admin/agents/grouplearning/{team.group.pk}/delete/").status_code == 403


@pytest.mark.parametrize("model", ["planoutcome", "planstats"])
def test_outcomes_and_statistics_are_read_only(team, model):
    client = staff_client(_staff(team.org, "view", "change"))
    listed = client.get(f"/admin/agents/{model}/")
    assert listed.status_code == 200 and "steady" in listed.content.decode()
    assert client.get(f"/admin/agents/{model}/add/").status_code == 403
    row = (PlanOutcome if model == "planoutcome" else PlanStats).objects.filter(plan=team.steady).first()
    page = client.get(f"/admin/agents/{model}/{row.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/agents/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/agents/{model}/{row.pk}/change/", {}).status_code == 403


def test_the_plan_page_costs_the_same_queries_with_more_outcomes_choices_and_agents(team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(_staff(team.org, "view"))
    url = f"/admin/agents/plan/{team.steady.pk}/change/"
    client.get(url)  # the session and permissions, read once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    trials(team, "ann", 5, hours_ago=7)
    trials(team, "bob", 5, hours_ago=1)
    assert queries() == before


def test_a_template_plans_page_says_each_organization_decides():
    from agents.reasoning.plans.services import plan_create
    from agents.reasoning.plans.text import text_to_plans
    from tests.support.factories import AgentRoleFactory

    role = AgentRoleFactory(organization=None)
    [document] = text_to_plans("@template_plan +!sell <- +sold(true).")
    plan = plan_create(document=document, organization=None, role=role, by=SYSTEM)
    section = learning_section(plan_page(create_user(is_staff=True, is_superuser=True), plan))
    assert "A template plan: the policy of the organization of each agent that runs it applies." in section


def test_adoptions_are_listed_read_only_and_only_to_who_may_view_the_organization(team):
    from django.utils import timezone

    from agents.reasoning.plans.models import PlanAdoption
    from tests.support.factories import OrganizationFactory

    version = team.steady.versions.get(is_current=True)
    adoption = PlanAdoption.objects.create(agent=team.world.bob, plan=team.steady, version=version,
                                           told_by=team.world.ann, adopted_at=timezone.now())
    client = staff_client(_staff(team.org, "view", "change"))
    listed = client.get("/admin/agents/planadoption/")
    assert listed.status_code == 200 and "steady" in listed.content.decode()
    assert client.get("/admin/agents/planadoption/add/").status_code == 403
    assert client.post(f"/admin/agents/planadoption/{adoption.pk}/delete/", {"post": "yes"}).status_code == 403
    stranger = staff_client(_staff(OrganizationFactory(), "view"))
    assert "steady" not in stranger.get("/admin/agents/planadoption/").content.decode()
