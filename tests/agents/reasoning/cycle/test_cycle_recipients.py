"""Recipients that name several agents (docs/reasoning.md, Recipients; issue 14 part 2: a cfp "to agents, a
group or a role"): ``group:<name>`` is a group's leader and members (never its observers), ``role:<slug>``
every agent holding a role; both checked when an organization's plan is saved, and resolved in a batch
with one query per organization for all its groups."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.agent.models import MembershipRole
from agents.agent.services.groups import group_create, membership_add
from agents.common.errors import InvalidInput
from agents.models import AgentRuntime, ProtocolRun
from agents.reasoning.cycle.batch import reason_batch
from agents.reasoning.cycle.library import Directory
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from agents.reasoning.services.goals import goal_create
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentRoleFactory
from tests.support.reasoning import World, beliefs_of, run_cycles, run_with_mail, sent_by

pytestmark = pytest.mark.django_db


def _suppliers(world: World, *, observer: bool = True):
    """Three supplier agents in the group ``Suppliers`` (a leader and two members), and an observer."""
    role = AgentRoleFactory(organization=world.org, slug="supplier", name="Supplier")
    group = group_create(organization=world.org, name="Suppliers", by=SYSTEM)
    agents = [AgentFactory(organization=world.org, role=role, slug=f"s{index}") for index in range(3)]
    for index, agent in enumerate(agents):
        membership_add(group=group, agent=agent, by=SYSTEM,
                       role=MembershipRole.LEADER if index == 0 else MembershipRole.MEMBER)
    if observer:
        membership_add(group=group, agent=AgentFactory(organization=world.org, role=world.coo.role, slug="watcher"),
                       by=SYSTEM, role=MembershipRole.OBSERVER)
    return agents


def test_a_send_to_a_group_reaches_its_leader_and_members_but_not_its_observers():
    world = World("coo")
    suppliers = _suppliers(world)
    world.plans('+!tell : true <- .send("group:Suppliers", inform, {"stock": "low"}).')
    world.goal("coo", "tell")
    run_cycles()
    [message] = sent_by(world.coo)
    assert set(message.deliveries.values_list("recipient_id", flat=True)) == {agent.pk for agent in suppliers}


def test_a_cfp_to_a_group_opens_one_session_per_member_and_the_best_is_accepted():
    world = World("coo")
    suppliers = _suppliers(world)
    world.plans("""
        +!source : true <- .start_protocol(cfp, "group:Suppliers", {"item": "mugs"}, Bids, 30, 60);
            .start_protocol(accept-proposal, Bids["proposals"][0]["participant"], "go", Done); +sourced(Done).
        ^message:cfp(Task, Sender) <- .send(Sender, propose, {"price": 10}).
        ^message:accept-proposal(What, Sender) <- .send(Sender, inform, "delivered").
    """)
    world.goal("coo", "source")
    run_with_mail()
    run = ProtocolRun.objects.get(initiator=world.coo)
    assert run.protocol == "fipa-contract-net" and run.state == "done"
    assert set(run.sessions.values_list("participant_id", flat=True)) == {agent.pk for agent in suppliers}
    assert beliefs_of(world.coo)["sourced"][0]["content"] == "delivered"


def test_a_cfp_to_a_role_goes_to_every_agent_holding_it():
    world = World("coo")
    suppliers = _suppliers(world, observer=False)
    world.plans("""
        +!source : true <- .start_protocol(cfp, "role:supplier", "mugs", Bids, 30, 60); +bids(Bids["proposals"]).
        ^message:cfp(Task, Sender) <- .send(Sender, refuse, {"reason": "busy"}).
    """)
    world.goal("coo", "source")
    run_with_mail()
    run = ProtocolRun.objects.get(initiator=world.coo)
    assert run.state == "failed" and run.reason == "no_proposals"
    assert set(run.sessions.values_list("participant_id", flat=True)) == {agent.pk for agent in suppliers}


def test_a_group_with_only_observers_names_nobody_and_the_step_fails_bad_recipient():
    world = World("coo")
    group = group_create(organization=world.org, name="Watchers", by=SYSTEM)
    membership_add(group=group, agent=AgentFactory(organization=world.org, role=world.coo.role), by=SYSTEM,
                   role=MembershipRole.OBSERVER)
    world.plans("""
        +!tell : true <- .send("group:Watchers", inform, 1).
        -!tell : true <- +told(false).
    """)
    world.goal("coo", "tell")
    run_cycles()
    assert beliefs_of(world.coo)["told"] is False and not sent_by(world.coo)


@pytest.mark.parametrize("name", ["group:Nobody", "role:nobody", "group:", "role:"])
def test_an_organization_plan_naming_an_unknown_group_or_role_is_refused_naming_the_field(name):
    world = World("coo")
    _suppliers(world)
    [document] = text_to_plans(f'+!tell : true <- .send("{name}", inform, 1).')
    with pytest.raises(InvalidInput) as refused:
        plan_create(document=document, organization=world.org, by=SYSTEM)
    assert list(refused.value.fields) == ["body[0].to"], refused.value.fields


def test_a_template_plan_may_name_a_group_it_cannot_know_and_a_role_template_it_must_know():
    template = AgentRoleFactory(organization=None, slug="buyer-template")
    AgentRoleFactory(organization=None, slug="vendor-template")
    [ok] = text_to_plans('+!tell : true <- .send(["group:Suppliers", "role:vendor-template"], inform, 1).')
    plan_create(document=ok, role=template, by=SYSTEM)
    [bad] = text_to_plans('+!tell : true <- .send("role:nobody", inform, 1).')
    with pytest.raises(InvalidInput) as refused:
        plan_create(document=bad, role=template, by=SYSTEM)
    assert list(refused.value.fields) == ["body[0].to"]


def _group_senders_batch_queries(senders: int) -> int:
    AgentRuntime.objects.update(wake_at=None)  # the other call's world rests
    world = World("coo")
    coos = [world.coo] + [AgentFactory(organization=world.org, role=world.coo.role) for _ in range(senders - 1)]
    role = AgentRoleFactory(organization=world.org, slug="supplier")
    for group_index in range(2):
        group = group_create(organization=world.org, name=f"G{group_index}", by=SYSTEM)
        for _ in range(3):
            membership_add(group=group, agent=AgentFactory(organization=world.org, role=role), by=SYSTEM)
    world.plans('+!tell : true <- .send("group:G0", inform, 1); .send("group:G1", inform, 2).')
    for agent in coos:
        goal_create(agent=agent, name="tell", args=[], by=SYSTEM)
    with CaptureQueriesContext(connection) as queries:
        assert reason_batch(limit=1000) == senders
    return len(queries)


def test_the_groups_of_a_batch_cost_the_same_queries_for_2_and_for_20_senders():
    assert _group_senders_batch_queries(2) == _group_senders_batch_queries(20)


def test_a_template_name_held_by_several_agents_means_the_one_with_that_slug():
    """The docs' first conversation gives an outside bookkeeper the CFO's role: the COO's template plan asking
    ``cfo`` still asks the CFO (a request has one participant), and without such an agent every holder."""
    cfo_template = AgentRoleFactory(organization=None, slug="cfo-t")
    world = World("coo")
    cfo = AgentFactory(organization=world.org, role=cfo_template, slug="cfo-t")
    bookkeeper = AgentFactory(organization=world.org, role=cfo_template, slug="bookkeeper")
    assert Directory().resolve(organization_id=world.org.pk, name="cfo-t", template=True) == [cfo.pk]
    cfo.slug = "finance-lead"
    cfo.save(update_fields=["slug"])
    assert Directory().resolve(organization_id=world.org.pk, name="cfo-t", template=True) == sorted(
        [cfo.pk, bookkeeper.pk], key=lambda pk: {cfo.pk: "finance-lead", bookkeeper.pk: "bookkeeper"}[pk])
