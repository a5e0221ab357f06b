"""Every admin form the project defines, submitted as its page submits it (issue 19, part 1).

Opening a form proves little: adding an agent in the admin failed on every save ("Someone else changed this
agent since you opened it", the version check ran on the unsaved agent, whose UUID default fills ``pk``)
while every page rendered. Here a superuser fills and POSTs each add form, then the change form of the object
just added, of every ModelAdmin registered for the project's models (tests/support/admin_forms.py finds
them in ``admin.site._registry``, so a new admin is covered the day it is registered):

- a writable form: the add answers 302 and the object exists; the change answers 302 and is saved (and a
  model with a ``version`` has moved on);
- where the admin allows no add or no change (logs, messages, outcomes), the POST is refused with 403, on a
  real object, never skipped;
- ``FORMS`` holds, per model, the fields a person fills; a registered model without an entry fails
  ``test_every_project_admin_has_an_entry``.

The onboarding page (an admin view, no ModelAdmin) is submitted too, and the stale-version case of the
agent's change form (two tabs, the second save refused with the message).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, UserSession
from agents.agent.services.agents import agent_update
from agents.messaging.models import Delivery
from agents.messaging.services.dead_letters import dead_letter
from agents.models import (
    ActionRequest,
    Agent,
    AgentApiKey,
    AgentGroup,
    AgentKind,
    AgentRole,
    DeadLetter,
    GroupLearning,
    Organization,
    Plan,
    PlanAdoption,
    PlanOutcome,
    PlanStats,
    SelectionPolicy,
    SupervisionEvent,
    SupervisorPolicy,
)
from agents.reasoning.plans.selectors import current_version
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from auditlog.models import AuditEvent
from mabos.models import RuntimeOverride
from mabos.runtime_settings import forget
from tests.support.actors import SYSTEM
from tests.support.admin_forms import admin_url, form_errors, page_form, project_admins, submit
from tests.support.api import PASSWORD, create_user, tokens_for
from tests.support.approvals import approval_request
from tests.support.factories import AgentFactory, AgentGroupFactory, AgentRoleFactory, OrganizationFactory
from tests.support.messaging import send
from tests.support.protocols import protocol_run

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """What the forms choose from: an organization with its role, two internal agents, an external one and a
    group, and the superuser who fills the forms."""

    admin: User
    client: Client
    org: Organization
    role: AgentRole
    ceo: Agent
    cfo: Agent
    external: Agent
    group: AgentGroup


@pytest.fixture
def world() -> World:
    admin = create_user("form-admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    org = OrganizationFactory(name="Form Works", slug="form-works")
    role = AgentRoleFactory(organization=org, name="Chief", slug="chief")
    ceo = AgentFactory(organization=org, role=role, name="CEO", slug="ceo")
    cfo = AgentFactory(organization=org, role=role, name="CFO", slug="cfo")
    external = AgentFactory(organization=org, role=role, name="Supplier", slug="supplier", kind=AgentKind.EXTERNAL)
    return World(admin, client, org, role, ceo, cfo, external, AgentGroupFactory(organization=org, name="Board"))


@pytest.fixture(autouse=True)
def _runtime_settings_forgotten():
    """The runtime override written here must not outlive the test in this process's copy."""
    forget()
    yield
    forget()


# --- the objects of the read-only screens, as their writers leave them ------------------------------------

PLAN_TEXT = "@form_plan +!sell <- +sold(true)."


def _plan(world: World) -> Plan:
    [document] = text_to_plans(PLAN_TEXT)
    return plan_create(document=document, organization=world.org, role=None, by=SYSTEM)


def _outcome(world: World) -> PlanOutcome:
    plan = _plan(world)
    return PlanOutcome.objects.create(
        agent=world.ceo, organization=world.org, role=world.role, plan=plan, version=current_version(plan),
        intention_id=uuid.uuid4(), trigger_kind="goal_added", trigger_name="sell", context_key="k" * 32,
        success=True, created_at=timezone.now())


def _stats(world: World) -> PlanStats:
    from agents.learning.services.rollup import learning_rollup

    _outcome(world)
    learning_rollup()
    return PlanStats.objects.filter(organization=world.org).first()


def _adoption(world: World) -> PlanAdoption:
    plan = _plan(world)
    return PlanAdoption.objects.create(agent=world.cfo, plan=plan, version=current_version(plan),
                                       told_by=world.ceo, adopted_at=timezone.now())


def _dead_letter(world: World) -> DeadLetter:
    lost = send(world.ceo, to=[world.cfo.pk], content={"text": "lost"}).message
    delivery = Delivery.objects.get(message=lost, recipient=world.cfo)
    assert dead_letter(delivery_id=delivery.pk, reason="recipient unreachable")
    return DeadLetter.objects.get(pk=delivery.pk)


def _session(world: World) -> UserSession:
    tokens_for(world.admin)
    return UserSession.objects.filter(user=world.admin).latest("created_at")


# --- what a person fills, per model ------------------------------------------------------------------------

Fields = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Writable:
    """An admin that adds and (unless ``change`` is None) changes: ``add`` the fields filled on the add page,
    ``added`` finds what it created; ``change`` the fields changed on its change page, ``saved`` says the
    change is in the database (the object read again)."""

    add: Fields
    added: Callable[[World], Model]
    change: Callable[[World, Model], dict[str, Any]] | None
    saved: Callable[[Model], bool] = lambda obj: True
    #: Where the change form is, after the change URL: an agent's change URL is its page, its form ``?edit=1``.
    change_query: str = ""


@dataclass(frozen=True)
class ReadOnly:
    """An admin nobody adds or changes through: ``existing`` makes a real object its writer would."""

    existing: Callable[[World], Model]


def _agent_saved(agent: Agent) -> bool:
    return agent.name == "Form agent renamed"


FORMS: dict[str, Writable | ReadOnly] = {
    "accounts.User": Writable(
        add=lambda w: {"username": "form-user", "usable_password": "true", "password1": PASSWORD,
                       "password2": PASSWORD},
        added=lambda w: User.objects.get(username="form-user"),
        change=lambda w, obj: {"first_name": "Forma", "email": "forma@example.com"},
        saved=lambda obj: (obj.first_name, obj.email) == ("Forma", "forma@example.com")),
    "accounts.UserSession": ReadOnly(_session),
    "auth.Group": Writable(
        add=lambda w: {"name": "Form role", "permissions": [Permission.objects.get(codename="view_agent").pk]},
        added=lambda w: Group.objects.get(name="Form role"),
        change=lambda w, obj: {"name": "Form role renamed", "permissions": list(
            Permission.objects.filter(codename__in=["view_agent", "change_agent"]).values_list("pk", flat=True))},
        saved=lambda obj: obj.name == "Form role renamed" and obj.permissions.count() == 2),
    "agents.ActionRequest": ReadOnly(lambda w: ActionRequest.objects.create(
        agent=w.ceo, idempotency_key="form-test", name="notify", args={"text": "hi"})),
    "agents.Agent": Writable(
        add=lambda w: {"organization": w.org.pk, "role": w.role.pk, "name": "Form agent", "slug": "form-agent",
                       "kind": AgentKind.INTERNAL, "supervisor": w.ceo.pk, "config": '{"model": "small"}'},
        added=lambda w: Agent.objects.get(organization=w.org, slug="form-agent"),
        change=lambda w, obj: {"name": "Form agent renamed", "supervisor": w.cfo.pk},
        saved=lambda obj: obj.name == "Form agent renamed" and obj.supervisor.slug == "cfo", change_query="?edit=1"),
    "agents.AgentApiKey": Writable(
        add=lambda w: {"agent": w.external.pk, "name": "form key"},
        added=lambda w: AgentApiKey.objects.get(agent=w.external, name="form key"),
        change=None),
    "agents.AgentGroup": Writable(
        add=lambda w: {"organization": w.org.pk, "name": "Form group", "purpose": "Meet."},
        added=lambda w: AgentGroup.objects.get(organization=w.org, name="Form group"),
        change=lambda w, obj: {"name": "Form group renamed", "purpose": "Meet weekly."},
        saved=lambda obj: (obj.name, obj.purpose) == ("Form group renamed", "Meet weekly.")),
    "agents.AgentRole": Writable(
        add=lambda w: {"organization": w.org.pk, "name": "Form role", "slug": "form-role",
                       "responsibilities": "Keep the books.", "default_goals": '[{"name": "close_month"}]',
                       "default_beliefs": '[{"key": "currency", "value": "EUR"}]', "adopts_told_plans": "on"},
        added=lambda w: AgentRole.objects.get(organization=w.org, slug="form-role"),
        change=lambda w, obj: {"responsibilities": "Keep the books and pay.", "adopts_told_plans": None},
        saved=lambda obj: obj.responsibilities == "Keep the books and pay." and not obj.adopts_told_plans),
    "agents.ApprovalRequest": ReadOnly(lambda w: approval_request(w.ceo)),
    "agents.DeadLetter": ReadOnly(_dead_letter),
    "agents.Delivery": ReadOnly(lambda w: Delivery.objects.get(message=send(w.ceo, to=[w.cfo.pk]).message)),
    "agents.GroupLearning": Writable(
        add=lambda w: {"group": w.group.pk, "sharing": None},
        added=lambda w: GroupLearning.objects.get(group=w.group, sharing=False),
        change=lambda w, obj: {"sharing": "on"},
        saved=lambda obj: obj.sharing),
    "agents.Message": ReadOnly(lambda w: send(w.ceo, to=[w.cfo.pk]).message),
    "agents.Organization": Writable(
        add=lambda w: {"name": "Form Bakery", "slug": "form-bakery", "industry": "bakery",
                       "description": "Bread.", "profile": '{"size": "small"}'},
        added=lambda w: Organization.objects.get(slug="form-bakery"),
        change=lambda w, obj: {"description": "Bread and cake.", "profile": '{"size": "medium"}'},
        saved=lambda obj: (obj.description, obj.profile) == ("Bread and cake.", {"size": "medium"})),
    "agents.Plan": Writable(
        add=lambda w: {"organization": w.org.pk, "text": PLAN_TEXT},
        added=lambda w: Plan.objects.get(organization=w.org, label="form_plan"),
        change=lambda w, obj: {"text": "+!sell <- +sold(false)."},
        saved=lambda obj: current_version(obj).version == 2),
    "agents.PlanAdoption": ReadOnly(_adoption),
    "agents.PlanOutcome": ReadOnly(_outcome),
    "agents.PlanStats": ReadOnly(_stats),
    "agents.ProtocolRun": ReadOnly(lambda w: protocol_run(organization=w.org)),
    "agents.SelectionPolicy": Writable(
        add=lambda w: {"organization": w.org.pk, "policy": "thompson", "shared_weight": "0.5"},
        added=lambda w: SelectionPolicy.objects.get(organization=w.org),
        change=lambda w, obj: {"policy": "thompson_shared", "shared_weight": "0.75"},
        saved=lambda obj: (obj.policy, obj.shared_weight) == ("thompson_shared", 0.75)),
    "agents.SupervisionEvent": ReadOnly(lambda w: SupervisionEvent.objects.create(
        organization=w.org, agent=w.ceo, kind="restarted", detail={"n": 1})),
    "agents.SupervisorPolicy": Writable(
        add=lambda w: {"organization": w.org.pk, "group": w.group.pk, "intensity": "4", "period_seconds": "60"},
        added=lambda w: SupervisorPolicy.objects.get(organization=w.org, group=w.group),
        change=lambda w, obj: {"intensity": "6"},
        saved=lambda obj: obj.intensity == 6),
    "auditlog.AuditEvent": ReadOnly(lambda w: AuditEvent.objects.order_by("-seq").first()),
    "mabos.RuntimeOverride": Writable(
        add=lambda w: {"name": "MESSAGING_MAX_ATTEMPTS", "value": "9"},
        added=lambda w: RuntimeOverride.objects.get(name="MESSAGING_MAX_ATTEMPTS"),
        change=lambda w, obj: {"value": "11"},
        saved=lambda obj: obj.value == 11),
}


def test_every_project_admin_has_an_entry():
    """A ModelAdmin registered for the project without an entry here would go unsubmitted: name it."""
    registered = set(project_admins())
    assert registered - set(FORMS) == set(), "admins with no entry in FORMS (add the fields a person fills)"
    assert set(FORMS) - registered == set(), "FORMS names models no project admin registers (remove them)"


def _form_id(model: type[Model]) -> str:
    return f"{model._meta.model_name}_form"


@pytest.mark.parametrize("label", sorted(label for label, spec in FORMS.items() if isinstance(spec, Writable)))
def test_the_add_and_change_forms_save(world, label):
    spec, model_admin = FORMS[label], project_admins()[label]
    model = model_admin.model
    added = submit(world.client, admin_url(model, "add"), spec.add(world), form_id=_form_id(model))
    assert added.status_code == 302, f"{label} add: {form_errors(added)}"
    obj = spec.added(world)
    if spec.change is None:
        refused = world.client.post(admin_url(model, "change", obj.pk), {"name": "changed"})
        assert refused.status_code == 403, f"{label}: a change must be refused, answered {refused.status_code}"
        return
    before = getattr(obj, "version", None)
    changed = submit(world.client, admin_url(model, "change", obj.pk) + spec.change_query, spec.change(world, obj),
                     form_id=_form_id(model))
    assert changed.status_code == 302, f"{label} change: {form_errors(changed)}"
    obj = model._default_manager.get(pk=obj.pk)
    assert spec.saved(obj), f"{label}: the change answered 302 but is not in the database"
    if before is not None:
        assert obj.version > before, f"{label}: saved, but its version stayed {before}"


@pytest.mark.parametrize("label", sorted(label for label, spec in FORMS.items() if isinstance(spec, ReadOnly)))
def test_a_read_only_screen_refuses_the_add_and_the_change(world, label):
    spec, model_admin = FORMS[label], project_admins()[label]
    model = model_admin.model
    obj = spec.existing(world)
    assert obj is not None, f"{label}: no object to try the change on"
    count = model._default_manager.count()
    assert world.client.get(admin_url(model, "add")).status_code == 403, f"{label}: the add page is offered"
    assert world.client.post(admin_url(model, "add"), {}).status_code == 403, f"{label}: an add was accepted"
    page = world.client.get(admin_url(model, "change", obj.pk))
    assert page.status_code == 200, f"{label}: the object's page answered {page.status_code}"
    refused = world.client.post(admin_url(model, "change", obj.pk), {"_save": "Save"})
    assert refused.status_code == 403, f"{label}: a change POST answered {refused.status_code}, not 403"
    assert model._default_manager.count() == count


def test_the_onboarding_form_staffs_an_organization(world):
    url = reverse("admin:agents_organization_onboard")
    response = submit(world.client, url, {"name": "Form Florist", "industry": "florist", "size": "small",
                                          "description": "Flowers.", "roles": ["ceo", "cfo"]}, button="")
    assert response.status_code == 302, f"onboarding: {form_errors(response)}"
    org = Organization.objects.get(name="Form Florist")
    assert response["Location"] == reverse("admin:agents_organization_change", args=[org.pk])
    assert sorted(org.agents.values_list("role__slug", flat=True)) == ["ceo", "cfo"]


def test_a_second_tab_saving_a_stale_agent_is_refused_with_the_message(world):
    url = admin_url(Agent, "change", world.ceo.pk) + "?edit=1"  # the agent's form (its change URL is its page)
    first, second = Client(), Client()
    for tab in (first, second):
        tab.force_login(world.admin)
    stale_page = second.get(url)  # the second tab opens the page at version 1 ...
    assert submit(first, url, {"name": "CEO (first tab)"}, form_id="agent_form").status_code == 302
    data = page_form(stale_page.content.decode(), "agent_form")  # ... and saves it after the first tab did
    data.update({"name": ["CEO (second tab)"], "_save": ["Save"]})
    refused = second.post(url, {key: values for key, values in data.items() if values})
    assert refused.status_code == 200
    assert "Someone else changed this agent since you opened it" in refused.content.decode()
    world.ceo.refresh_from_db()
    assert (world.ceo.name, world.ceo.version) == ("CEO (first tab)", 2)
    # A write elsewhere (the API) while the first tab is open: its save is refused too.
    page = first.get(url)
    agent_update(agent=world.ceo, by=SYSTEM, expected_version=2, config={"changed": "elsewhere"})
    data = {**page_form(page.content.decode(), "agent_form"), "name": ["CEO (late)"], "_save": ["Save"]}
    late = first.post(url, {key: values for key, values in data.items() if values})
    assert late.status_code == 200 and "Someone else changed this agent" in late.content.decode()
    assert Agent.objects.get(pk=world.ceo.pk).name == "CEO (first tab)"


def test_the_send_form_sends_as_the_agent(world):
    """The agent's send form (issue 19, part 3), submitted as its page submits it."""
    url = reverse("admin:agents_agent_send", args=[world.ceo.pk])
    response = submit(world.client, url, {"performative": "request", "to": [str(world.cfo.pk)],
                                          "content": '{"text": "Figures, please"}'}, form_id="send_form",
                      button="_send")
    assert response.status_code == 302, f"send: {form_errors(response)}"
    message = world.ceo.sent_messages.get()
    assert response["Location"] == reverse("admin:agents_message_change", args=[message.pk])
    assert (message.performative, message.content) == ("request", {"text": "Figures, please"})


def test_the_lifecycle_forms_of_the_agent_page_move_it(world):
    """The page's pause button (issue 19, part 4), with the reason a person types."""
    page = world.client.get(admin_url(Agent, "change", world.ceo.pk)).content.decode()
    data = {**page_form(page, "agent-pause-form"), "reason": ["a quiet week"]}
    action = re.search(r'action="([^"]+)"[^>]*id="agent-pause-form"', page).group(1)  # the form posts there
    assert action == reverse("admin:agents_agent_lifecycle", args=[world.ceo.pk])
    response = world.client.post(action, data)
    assert response.status_code == 302
    world.ceo.refresh_from_db()
    assert world.ceo.status == "paused"
