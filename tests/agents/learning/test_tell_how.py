"""tellHow on the real cycle (issue 16, part 5): an agent tells a group member a plan; the member adopts it if
its role allows, and then pursues goals with it; every refusal is traced and writes nothing."""

from __future__ import annotations

import uuid

import pytest

from agents.models import Goal, GoalStatus, Message, PlanAdoption
from agents.reasoning.cycle.batch import reason_batch
from agents.reasoning.plans.services import plan_create, plan_revise
from agents.reasoning.plans.text import plans_to_text, text_to_plans
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentGroupFactory, AgentRoleFactory, MembershipFactory
from tests.support.reasoning import World, beliefs_of, run_cycles, run_with_mail, steps_of, traces_of

pytestmark = pytest.mark.django_db

SELL = "@sell_well +!sell <- +sold(true)."
SHARE = "+!share <- .tell_how(bob, sell_well)."


def _world(*, adopts: bool = True, grouped: bool = True) -> World:
    """ann holds a global role template with a plan for +!sell; bob (another role) has none."""
    world = World("ann", "bob")
    template = AgentRoleFactory(organization=None, slug=f"seller-{uuid.uuid4().hex[:6]}", name="Seller")
    world.ann.role = template
    world.ann.save(update_fields=["role"])
    world.bob.role.adopts_told_plans = adopts
    world.bob.role.save(update_fields=["adopts_told_plans"])
    world.template = template
    world.sell = plan_create(document=text_to_plans(SELL)[0], role=template, by=SYSTEM)
    if grouped:
        team = AgentGroupFactory(organization=world.org)
        for slug in ("ann", "bob"):
            MembershipFactory(group=team, agent=world.agents[slug])
    return world


def _told(world: World) -> list[dict]:
    return [t.choice for t in traces_of(world.bob) if t.choice and "told" in t.choice]


def test_bob_adopts_the_told_plan_and_pursues_the_goal_with_it():
    world = _world()
    world.plans(SHARE)
    world.goal("ann", "share")
    run_with_mail()
    adoption = PlanAdoption.objects.get(agent=world.bob)
    assert adoption.plan_id == world.sell.pk and adoption.told_by_id == world.ann.pk
    assert adoption.message is not None and adoption.message.ontology == "mabos:plan"
    assert adoption.message.content["label"] == "sell_well"
    assert adoption.message.content["document"]["trigger"] == {"kind": "goal_added", "name": "sell"}
    [choice] = _told(world)
    assert choice["why"] == "adopted plan sell_well v1 from ann" and choice["told"]["result"] == "adopted"
    world.goal("bob", "sell")
    run_cycles()
    assert beliefs_of(world.bob)["sold"] is True
    chosen = [t.choice for t in traces_of(world.bob) if t.choice and t.choice.get("label")]
    assert chosen[-1]["label"] == "sell_well"


def test_a_goal_bob_kept_waiting_for_a_plan_is_taken_up_once_he_adopts_one(django_capture_on_commit_callbacks):
    world = _world()
    world.plans(SHARE)
    goal = world.goal("bob", "sell")
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PENDING  # no plan for +!sell in bob's library: it waits
    world.goal("ann", "share")
    with django_capture_on_commit_callbacks(execute=True):
        run_with_mail()
    assert PlanAdoption.objects.filter(agent=world.bob).exists()
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED and beliefs_of(world.bob)["sold"] is True
    assert not Goal.objects.filter(agent=world.ann, status=GoalStatus.PENDING).exists()


def test_a_newer_version_told_later_replaces_the_older():
    world = _world()
    world.plans(SHARE)
    world.goal("ann", "share")
    run_with_mail()
    version = plan_revise(plan=world.sell, document=text_to_plans("@sell_well +!sell <- +sold(2).")[0], by=SYSTEM)
    world.goal("ann", "share")
    run_with_mail()
    assert list(PlanAdoption.objects.filter(agent=world.bob).values_list("version_id", flat=True)) == [version.pk]
    world.goal("bob", "sell")
    run_cycles()
    assert beliefs_of(world.bob)["sold"] == 2


def test_telling_a_whole_group_tells_every_member_but_the_teller():
    world = _world(grouped=False)
    team = AgentGroupFactory(organization=world.org, name="sales")
    for slug in ("ann", "bob"):
        MembershipFactory(group=team, agent=world.agents[slug])
    world.plans('+!share <- .tell_how("group:sales", sell_well).')
    world.goal("ann", "share")
    run_with_mail()
    assert list(PlanAdoption.objects.values_list("agent_id", flat=True)) == [world.bob.pk]
    [told] = [m for m in Message.objects.filter(sender_agent=world.ann, ontology="mabos:plan")]
    assert told.performative == "inform"


@pytest.mark.parametrize(("case", "reason"), [
    ("role", "this agent's role may not adopt told plans"),
    ("group", "ann is not a member of a group with this agent"),
])
def test_a_refused_plan_is_traced_and_nothing_is_written(case, reason):
    world = _world(adopts=case != "role", grouped=case != "group")
    if case == "group":
        # ann may tell (her group) but bob is not in it: the receiver checks too, with a message sent as ann.
        team = AgentGroupFactory(organization=world.org)
        MembershipFactory(group=team, agent=world.ann)
        MembershipFactory(group=team, agent=AgentFactory(organization=world.org))
        _send_told(world, version=world.sell.versions.get())
    else:
        world.plans(SHARE)
        world.goal("ann", "share")
    run_with_mail()
    assert not PlanAdoption.objects.exists()
    [choice] = _told(world)
    assert choice["why"] == f"refused: {reason}" and choice["told"]["result"] == "refused"


def _send_told(world: World, *, version, content: dict | None = None) -> None:
    from agents.messaging.services.send import message_send
    from agents.reasoning.plans.services import plan_document
    from agents.reasoning.plans.tell_how import PLAN_ONTOLOGY, told_content

    content = content or told_content(plan_id=version.plan_id, version_id=version.pk, number=version.version,
                                      document=plan_document(version))
    message_send(organization=world.org, by=SYSTEM, sender_agent=world.ann, to=[world.bob.pk],
                 performative="inform", ontology=PLAN_ONTOLOGY, content=content)


def test_a_version_that_does_not_exist_or_of_another_organization_is_refused():
    world = _world()
    version = world.sell.versions.get()
    _send_told(world, version=version, content={"plan": str(version.plan_id), "version": str(uuid.uuid4()),
                                                "label": "sell_well", "document": {}})
    other = World("zed")
    [foreign] = other.plans(SELL)
    _send_told(world, version=foreign.versions.get())
    run_with_mail()
    assert not PlanAdoption.objects.exists()
    assert [c["why"] for c in _told(world)] == ["refused: the plan version does not exist",
                                                "refused: the plan belongs to another organization"]


def test_the_teller_refuses_a_non_member_another_organization_and_an_unknown_plan():
    world = _world(grouped=False)
    other = World("zed")
    MembershipFactory(group=AgentGroupFactory(organization=world.org), agent=world.ann)
    world.plans("""
        +!share <- .tell_how(bob, sell_well).
        +!abroad(To) <- .tell_how(To, sell_well).
    """)
    world.goal("ann", "share")
    world.goal("ann", "abroad", str(other.zed.pk))
    run_with_mail()
    failed = {s["detail"].split(":")[0] for s in steps_of(world.ann) if s["kind"] == "tell_how"}
    assert failed == {"not_group_member", "bad_recipient"}
    assert not PlanAdoption.objects.exists()


def test_an_unknown_label_is_a_400_when_the_plan_is_saved():
    world = World("ann")
    with pytest.raises(InvalidInput) as raised:
        world.plans("+!share <- .tell_how(ann, no_such_plan).")
    assert list(raised.value.fields) == ["body[0].plan"]


def test_the_label_disabled_at_run_time_fails_the_step():
    from agents.reasoning.plans.services import plan_disable

    world = _world()
    world.plans(SHARE)
    plan_disable(plan=world.sell, by=SYSTEM)
    world.goal("ann", "share")
    run_with_mail()
    assert [s["detail"].split(":")[0] for s in steps_of(world.ann) if s["kind"] == "tell_how"] == ["unknown_plan"]


def test_the_text_form_round_trips():
    text = '+!share <- .tell_how(bob, sell_well); .tell_how([bob, "role:x"], sell_well).'
    documents = text_to_plans(text)
    assert documents[0]["body"][0] == {"kind": "tell_how", "to": "bob", "plan": "sell_well"}
    assert text_to_plans(plans_to_text(documents)) == documents


def test_a_batch_loads_adoptions_in_one_query():
    world = _world()
    world.plans(SHARE)
    world.goal("ann", "share")
    run_with_mail()
    world.goal("bob", "sell")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert reason_batch(limit=10) == 1
    adoptions = [q["sql"] for q in queries.captured_queries if "agents_planadoption" in q["sql"]]
    assert len(adoptions) == 1 and adoptions[0].lstrip().upper().startswith("SELECT")
    # Nobody was told a plan: neither the told versions nor the adopting roles are read.
    assert not [q for q in queries.captured_queries if '"agents_agentrole"' in q["sql"]]


def test_told_plans_cost_two_queries_more_only_in_the_batch_that_takes_them():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agents.messaging.services.delivery import delivery_dispatch_due

    world = _world()
    world.plans(SHARE)
    world.goal("ann", "share")
    run_cycles()
    delivery_dispatch_due()
    with CaptureQueriesContext(connection) as queries:
        assert reason_batch(limit=10) == 1
    sql = [q["sql"] for q in queries.captured_queries]
    assert len([q for q in sql if q.startswith("SELECT") and '"agents_agentrole"' in q
                and "adopts_told_plans" in q]) == 1
    assert len([q for q in sql if q.startswith("INSERT") and "agents_planadoption" in q]) == 1
    assert PlanAdoption.objects.filter(agent=world.bob).count() == 1


def test_check_integrity_finds_an_adoption_of_another_plan_s_version_or_another_organization_s_plan():
    from django.utils import timezone

    from mabos.integrity import run_integrity_checks

    world = _world()
    other = World("zed")
    [foreign] = other.plans(SELL)
    [own] = world.plans("@own +!own <- +x(1).")
    now = timezone.now()
    good = PlanAdoption.objects.create(agent=world.bob, plan=world.sell, version=world.sell.versions.get(),
                                       adopted_at=now)
    mixed = PlanAdoption.objects.create(agent=world.ann, plan=own, version=world.sell.versions.get(), adopted_at=now)
    abroad = PlanAdoption.objects.create(agent=world.bob, plan=foreign, version=foreign.versions.get(),
                                         adopted_at=now)
    found = {v.check.name: v.rows for v in run_integrity_checks()}
    rows = {row.pk for row in found["agents.planadoption_consistent"]}
    assert rows == {mixed.pk, abroad.pk} and good.pk not in rows
