"""Supervision in the admin: policies written through their services (a refusal shown on the field it names,
nothing written; every write audited once), the event log read-only, a group's members' health and an agent's
supervision state on their pages, and each staff member seeing only the organizations they may view."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.agent.services.groups import group_create, membership_add
from agents.models import AgentStatus, SupervisionEvent, SupervisorPolicy
from agents.supervision.services.policies import policy_create
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.supervision import fail_and_schedule, failing_team

pytestmark = pytest.mark.django_db

POLICIES = "/admin/agents/supervisorpolicy/"
EVENTS = "/admin/agents/supervisionevent/"


def _staff(org, *verbs):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, *verbs)
    return user


def policy_form(**values) -> dict:
    """The add page's form as a person fills it in, with the model's defaults."""
    form = {"organization": "", "group": "", "strategy": "one_for_one", "intensity": "3", "period_seconds": "60",
            "restart": "permanent", "backoff_min_seconds": "1.0", "backoff_max_seconds": "60.0",
            "backoff_jitter": "0.1", "heartbeat_timeout_seconds": "60", "failure_threshold": "3",
            "failure_window_seconds": "300", "escalate_to": "leader", "escalate_agent": "", "escalate_role": ""}
    form.update({key: str(value) for key, value in values.items()})
    return form


def change_form(policy, **values) -> dict:
    form = policy_form(**values)
    form.pop("organization"), form.pop("group")
    form.setdefault("expected_version", str(policy.version))
    return {**form, **{key: str(value) for key, value in values.items()}}


def field_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


def audits(policy_pk, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type="agents.supervisorpolicy", target_id=str(policy_pk),
                                          action=action))


def test_a_policy_added_in_the_admin_is_created_and_audited_through_the_service(org):
    user = _staff(org, "view", "change")
    team = group_create(organization=org, name="Team", by=SYSTEM)
    response = staff_client(user).post(f"{POLICIES}add/", policy_form(
        organization=org.pk, group=team.pk, strategy="one_for_all", intensity=5, period_seconds=30))
    assert response.status_code == 302, field_errors(response)
    policy = SupervisorPolicy.objects.get(group=team)
    assert (policy.strategy, policy.intensity, policy.period_seconds, policy.organization_id) == (
        "one_for_all", 5, 30, org.pk)
    [event] = audits(policy.pk, "create")
    assert event.actor_id == str(user.pk) and event.changes["strategy"] == [None, "one_for_all"]
    listed = staff_client(user).get(POLICIES).content.decode()
    assert "group Team" in listed and "5 in 30 s" in listed and "one_for_all" in listed


@pytest.mark.parametrize(("values", "field"), [
    ({"intensity": 0}, "intensity"),                                          # the service's range
    ({"backoff_min_seconds": 30, "backoff_max_seconds": 10}, "backoff_min_seconds"),  # a rule between fields
    ({"escalate_to": "role", "escalate_role": "no such role"}, "escalate_role"),  # a rule that reads other rows
])
def test_a_refused_add_shows_the_services_error_on_its_field_and_writes_nothing(org, values, field):
    user = _staff(org, "view", "change")
    response = staff_client(user).post(f"{POLICIES}add/", policy_form(organization=org.pk, **values))
    errors = field_errors(response)
    assert list(errors) == [field], errors
    assert not SupervisorPolicy.objects.exists()
    assert not AuditEvent.objects.filter(target_type="agents.supervisorpolicy").exists()


def test_a_second_default_is_refused_on_the_group_field(org):
    policy_create(organization=org, by=SYSTEM)
    response = staff_client(_staff(org, "view", "change")).post(f"{POLICIES}add/", policy_form(organization=org.pk))
    assert "The organization already has a default policy." in field_errors(response)["group"]
    assert SupervisorPolicy.objects.count() == 1


def test_a_change_goes_through_the_service_and_a_bad_value_writes_nothing(org):
    user = _staff(org, "view", "change")
    policy = policy_create(organization=org, by=SYSTEM)
    url = f"{POLICIES}{policy.pk}/change/"
    bad = staff_client(user).post(url, change_form(policy, backoff_min_seconds=90, backoff_max_seconds=60))
    assert "The minimum back-off may not be longer than the maximum." in field_errors(bad)["backoff_min_seconds"]
    policy.refresh_from_db()
    assert (policy.backoff_min_seconds, policy.version) == (1.0, 1) and not audits(policy.pk, "update")

    good = staff_client(user).post(url, change_form(policy, intensity=7, restart="transient"))
    assert good.status_code == 302, field_errors(good)
    policy.refresh_from_db()
    assert (policy.intensity, policy.restart, policy.version) == (7, "transient", 2)
    [event] = audits(policy.pk, "update")
    assert event.changes == {"intensity": [3, 7], "restart": ["permanent", "transient"]}
    assert event.actor_id == str(user.pk)


def test_a_change_from_a_stale_page_is_refused(org):
    user = _staff(org, "view", "change")
    policy = policy_create(organization=org, by=SYSTEM)
    opened = change_form(policy, intensity=4)
    staff_client(user).post(f"{POLICIES}{policy.pk}/change/", change_form(policy, intensity=5))
    response = staff_client(user).post(f"{POLICIES}{policy.pk}/change/", opened)
    assert "changed by someone else" in str(response.context["adminform"].form.non_field_errors())
    assert SupervisorPolicy.objects.get(pk=policy.pk).intensity == 5


def test_an_escalation_cycle_is_refused_on_escalate_to_and_a_foreign_agent_is_no_choice(org):
    first = AgentFactory(organization=org, name="First")
    second = AgentFactory(organization=org, name="Second", supervisor=first)
    team = group_create(organization=org, name="Team", by=SYSTEM)
    membership_add(group=team, agent=first, by=SYSTEM)
    membership_add(group=team, agent=second, by=SYSTEM)
    client = staff_client(_staff(org, "view", "change"))
    # First escalates to Second; Second (not to itself) to its supervisor, First: a cycle.
    response = client.post(f"{POLICIES}add/", policy_form(organization=org.pk, group=team.pk, escalate_to="agent",
                                                          escalate_agent=second.pk))
    errors = field_errors(response)
    assert list(errors) == ["escalate_to"] and "First, Second" in errors["escalate_to"][0], errors
    foreign = client.post(f"{POLICIES}add/", policy_form(organization=org.pk, group=team.pk, escalate_to="agent",
                                                         escalate_agent=AgentFactory().pk))
    assert list(field_errors(foreign)) == ["escalate_agent"]
    assert not SupervisorPolicy.objects.exists()


def test_delete_and_delete_selected_go_through_the_service(org):
    user = _staff(org, "view", "change")
    default = policy_create(organization=org, by=SYSTEM)
    teams = [group_create(organization=org, name=name, by=SYSTEM) for name in ("A", "B")]
    first, second = (policy_create(organization=org, group=team, by=SYSTEM) for team in teams)
    client = staff_client(user)
    assert client.post(f"{POLICIES}{default.pk}/delete/", {"post": "yes"}).status_code == 302
    response = client.post(POLICIES, {"action": "delete_selected", "post": "yes",
                                      "_selected_action": [str(first.pk), str(second.pk)]})
    assert response.status_code == 302
    assert not SupervisorPolicy.objects.exists()
    for policy in (default, first, second):
        [event] = audits(policy.pk, "delete")
        assert event.actor_id == str(user.pk)


def test_staff_see_only_the_policies_of_organizations_they_may_view_and_change_only_with_change(org):
    mine = policy_create(organization=org, by=SYSTEM)
    theirs = policy_create(organization=OrganizationFactory(), by=SYSTEM)
    viewer = staff_client(_staff(org, "view"))
    listed = viewer.get(POLICIES)
    assert [row.pk for row in listed.context["cl"].result_list] == [mine.pk]
    assert viewer.get(f"{POLICIES}{theirs.pk}/change/").status_code == 302  # "does not exist": to the index
    assert viewer.post(f"{POLICIES}{mine.pk}/change/", change_form(mine, intensity=9)).status_code == 403
    assert viewer.post(f"{POLICIES}{mine.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SupervisorPolicy.objects.get(pk=mine.pk).intensity == 3
    add_page = viewer.get(f"{POLICIES}add/")
    assert list(add_page.context["adminform"].form.fields["organization"].queryset) == []


def test_the_policy_list_costs_the_same_queries_for_one_policy_or_many(org):
    client = staff_client(_staff(org, "view", "change"))
    policy_create(organization=org, by=SYSTEM)
    client.get(POLICIES)
    with CaptureQueriesContext(connection) as few:
        assert client.get(POLICIES).status_code == 200
    for index in range(6):
        policy_create(organization=org, group=group_create(organization=org, name=f"G{index}", by=SYSTEM),
                      by=SYSTEM)
    with CaptureQueriesContext(connection) as many:
        assert client.get(POLICIES).context["cl"].result_count == 7
    assert len(many) == len(few)


def test_the_event_log_is_read_only_filtered_and_readable():
    world = failing_team("worker")
    fail_and_schedule(world, "worker")
    client = staff_client(_staff(world.org, "view", "change", "delete"))
    assert client.get(f"{EVENTS}add/").status_code == 403
    listed = client.get(f"{EVENTS}?kind__exact=restart_scheduled")
    assert listed.status_code == 200
    [event] = listed.context["cl"].result_list
    assert event.agent_id == world.worker.pk and event.kind == "restart_scheduled"
    assert client.get(f"{EVENTS}?agent__id__exact={world.worker.pk}").context["cl"].result_count == 2
    page = client.get(f"{EVENTS}{event.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and "backoff_seconds" in html and "one_for_one" in html
    assert 'name="_save"' not in html  # nothing to save
    assert client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"{EVENTS}{event.pk}/change/", {}).status_code == 403
    assert SupervisionEvent.objects.filter(pk=event.pk).exists()
    outsider = staff_client(_staff(OrganizationFactory(), "view"))
    assert outsider.get(EVENTS).context["cl"].result_count == 0
    assert outsider.get(f"{EVENTS}{event.pk}/change/").status_code == 302


def test_the_group_page_shows_its_policy_and_its_members_health_in_constant_queries():
    world = failing_team("worker", "helper")
    fail_and_schedule(world, "worker")
    client = staff_client(_staff(world.org, "view", "change"))
    url = f"/admin/agents/agentgroup/{world.team.pk}/change/"
    page = client.get(url).content.decode()
    assert f"/admin/agents/supervisorpolicy/{world.policy.pk}/change/" in page
    assert 'class="supervision-health"' in page and "mabos/supervision.css" in page
    rows = page.split('<table class="supervision-health">')[1].split("</table>")[0]
    assert rows.count("<tr class=") == 3  # the leader and two members
    assert 'class="supervision-failed"' in rows and world.worker.name in rows
    assert "intentions_failing, <time" in rows and "1 of 3" in rows
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(5):
        membership_add(group=world.team, agent=AgentFactory(organization=world.org, name=f"More {index}"),
                       by=SYSTEM)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count('<tr class="supervision-') == 8
    assert len(many) == len(few)


def test_a_group_without_a_policy_links_to_giving_it_one(org):
    team = group_create(organization=org, name="Loose", by=SYSTEM)
    page = staff_client(_staff(org, "view", "change")).get(f"/admin/agents/agentgroup/{team.pk}/change/")
    assert f"/admin/agents/supervisorpolicy/add/?organization={org.pk}&amp;group={team.pk}" in page.content.decode()


def test_the_agent_page_shows_its_supervision_state():
    world = failing_team("worker")
    fail_and_schedule(world, "worker")
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.FAILED
    page = staff_client(_staff(world.org, "view")).get(f"/admin/agents/agent/{world.worker.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and 'class="supervision-state"' in html
    assert "one_for_one, at most 3 restarts in 60 s" in html and "intentions_failing, <time" in html
    assert f"/admin/agents/supervisionevent/?agent__id__exact={world.worker.pk}" in html
    unsupervised = AgentFactory()
    grant_user = _staff(unsupervised.organization, "view")
    html = staff_client(grant_user).get(f"/admin/agents/agent/{unsupervised.pk}/change/").content.decode()
    assert "none: this agent is not supervised" in html


def test_the_event_list_costs_the_same_queries_for_few_events_or_many():
    world = failing_team("worker")
    fail_and_schedule(world, "worker")
    client = staff_client(_staff(world.org, "view"))
    client.get(EVENTS)
    with CaptureQueriesContext(connection) as few:
        assert client.get(EVENTS).status_code == 200
    for index in range(12):
        agent = AgentFactory(organization=world.org, name=f"Other {index}")
        SupervisionEvent.objects.create(organization=world.org, agent=agent, policy=world.policy,
                                        kind="restarted", detail={"backoff_seconds": 1.0})
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(EVENTS).context["cl"].result_list) == 14
    assert len(many) == len(few)
