"""Plans in the admin, through the real admin forms: text or JSON in, versions shown, services (audited) write."""

from __future__ import annotations

import json

import pytest

from agents.models import Plan
from agents.reasoning.plans.services import plan_create, plan_document
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, AgentRoleFactory, BeliefFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

TWO_PLANS = """
@keep_runway
+!keep_runway(Months) : cash < 3 * monthly_costs
    <- !cut_costs;
       .send(cfo, inform, {"runway": Months}).

-!keep_runway <- .send(cfo, failure, "runway").
"""


@pytest.fixture
def cfo(org):
    agent = AgentFactory(organization=org, slug="cfo")
    BeliefFactory(agent=agent, key="cash", value=10)
    BeliefFactory(agent=agent, key="monthly_costs", value=5)
    return agent


@pytest.fixture
def staff_author(org):
    user = create_user(roles=("operator",), is_staff=True)
    grant(user, org, "view", "change")
    return user


def change_form(plan, **fields):
    """The change page as it posts itself: the current text and JSON, the version read, an empty inline."""
    current = plan.versions.get(is_current=True)
    document = plan_document(current)
    from agents.reasoning.plans.text import plan_to_text

    return {"enabled": "on" if plan.enabled else "", "text": plan_to_text(document),
            "document": json.dumps(document), "expected_version": str(current.version),
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0", **fields}


def test_the_add_form_takes_a_text_of_several_plans(org, cfo, staff_author):
    response = staff_client(staff_author).post("/admin/agents/plan/add/", {
        "organization": str(org.pk), "label": "", "text": TWO_PLANS, "document": "",
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert sorted(Plan.objects.values_list("label", flat=True)) == ["keep_runway", "keep_runway_2"]
    assert AuditEvent.objects.filter(target_type="agents.plan", action="create", actor_id=str(staff_author.pk)).count() == 2


def test_the_change_form_makes_a_version_from_the_text_or_from_the_json(org, cfo, staff_author):
    plan = plan_create(document={"trigger": {"kind": "goal_added", "name": "keep_runway"}, "context": "cash < 3"},
                       organization=org, by=SYSTEM)
    client = staff_client(staff_author)
    page = client.get(f"/admin/agents/plan/{plan.pk}/change/")
    assert page.status_code == 200 and "+!keep_runway : cash &lt; 3." in page.content.decode()
    form = change_form(plan, text="@keep_runway +!keep_runway : cash < 2 <- !cut_costs.")
    response = client.post(f"/admin/agents/plan/{plan.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert plan.versions.get(is_current=True).context == "cash < 2"
    document = {**plan_document(plan.versions.get(is_current=True)), "context": "cash < 1"}
    response = client.post(f"/admin/agents/plan/{plan.pk}/change/", {**change_form(plan), "document": json.dumps(document)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert list(plan.versions.order_by("version").values_list("version", "context")) == \
        [(1, "cash < 3"), (2, "cash < 2"), (3, "cash < 1")]
    assert AuditEvent.objects.filter(target_id=str(plan.pk), action="update",
                                     actor_id=str(staff_author.pk)).count() == 2
    page = client.get(f"/admin/agents/plan/{plan.pk}/change/").content.decode()
    assert page.count("<pre class='plan-text'>") == 3  # every version, with its text


def test_errors_show_on_the_form_and_nothing_is_written(org, cfo, staff_author):
    client = staff_client(staff_author)
    response = client.post("/admin/agents/plan/add/", {
        "organization": str(org.pk), "text": "+!g <- !a\n  !b.", "document": "",
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "line 2, column 3: expected" in response.content.decode()
    response = client.post("/admin/agents/plan/add/", {
        "organization": str(org.pk), "text": "", "document": json.dumps({"trigger": {"kind": "goal_added", "name": "g"},
                                                                        "body": [{"kind": "nope"}]}),
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "body[0].kind: Unknown step kind" in response.content.decode()
    assert not Plan.objects.exists() and not AuditEvent.objects.filter(target_type="agents.plan").exists()


def test_a_stale_change_form_is_refused(org, cfo, staff_author):
    plan = plan_create(document={"trigger": {"kind": "goal_added", "name": "g"}}, organization=org, by=SYSTEM)
    form = change_form(plan, text="+!g <- .succeed.")
    client = staff_client(staff_author)
    assert client.post(f"/admin/agents/plan/{plan.pk}/change/", form).status_code == 302
    again = client.post(f"/admin/agents/plan/{plan.pk}/change/", {**form, "text": "+!g <- .drop."})
    assert again.status_code == 200 and "Someone else revised this plan" in again.content.decode()
    assert plan.versions.count() == 2


def test_object_permissions_follow_the_organization(org, cfo, staff_author):
    other = plan_create(document={"trigger": {"kind": "goal_added", "name": "g"}}, organization=OrganizationFactory(),
                        by=SYSTEM)
    mine = plan_create(document={"trigger": {"kind": "goal_added", "name": "g"}}, organization=org, by=SYSTEM)
    template = plan_create(document={"trigger": {"kind": "timer", "name": "t"}},
                           role=AgentRoleFactory(organization=None, slug="t"), by=SYSTEM)
    client = staff_client(staff_author)
    listing = client.get("/admin/agents/plan/").content.decode()
    assert f"/admin/agents/plan/{mine.pk}/change/" in listing and str(other.pk) not in listing
    assert client.get(f"/admin/agents/plan/{other.pk}/change/").status_code == 302  # not visible: sent away
    viewed = client.get(f"/admin/agents/plan/{template.pk}/change/")
    assert viewed.status_code == 200 and 'name="text"' not in viewed.content.decode()  # a template: read only
    refused = client.post(f"/admin/agents/plan/{template.pk}/change/", change_form(template, text="^timer:t."))
    assert refused.status_code == 403 and template.versions.count() == 1
    add = client.post("/admin/agents/plan/add/", {
        "organization": str(other.organization_id), "text": "+!h.", "document": "",
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"})
    assert add.status_code == 200 and not Plan.objects.filter(label="h").exists()  # not a choice for this user
    assert client.post(f"/admin/agents/plan/{mine.pk}/delete/", {"post": "yes"}).status_code == 403


def test_an_administrator_writes_template_plans_in_the_admin(staff_admin):
    template = AgentRoleFactory(organization=None, slug="cfo-template")
    client = staff_client(staff_admin)
    assert 'name="role"' in client.get("/admin/agents/plan/add/").content.decode()
    response = client.post("/admin/agents/plan/add/", {
        "role": str(template.pk), "label": "monthly", "text": "^timer:monthly <- !review.", "document": "",
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    plan = Plan.objects.get()
    assert (plan.role, plan.label) == (template, "monthly")
    assert client.get("/admin/agents/plan/").status_code == 200
