"""Advancing a simulated business by one day (agents/simulation/services/days.py): the figures move as
docs/simulation.md says, through the belief services, with one SimulationDay and one audit event; refused,
with nothing written, for an organization that is not a simulation (service and command); the beat's task only
when SIMULATION_ENABLED; the demo seed marks only the demo; the dashboard's series in one query."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agents.common.errors import NotASimulation
from agents.models import AgentEvent, Organization, Simulation, SimulationDay
from agents.onboarding.services import organization_onboard
from agents.reasoning.services.beliefs import belief_set
from agents.simulation.environment import HIDDEN_DEFAULTS
from agents.simulation.selectors import simulation_series
from agents.simulation.services.days import SIMULATION, simulation_advance, simulations_tick
from agents.simulation.services.marks import simulation_mark, simulation_switch, simulation_unmark
from agents.simulation.tasks import advance_simulations
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM
from tests.support.processes import REPO, process_env
from tests.support.reasoning import beliefs_of
from tests.support.simulation import company_create

pytestmark = pytest.mark.django_db


def _audits(simulation: Simulation) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_id=str(simulation.pk), action="update").order_by("id"))


def _written() -> tuple[int, int, int]:
    return SimulationDay.objects.count(), AuditEvent.objects.count(), AgentEvent.objects.count()


def test_a_day_moves_cash_stock_and_burn_through_the_belief_services_with_one_row_and_one_audit_event():
    company = company_create(seed=7)
    belief_set(agent=company.coo, key="operations.monthly_spend", value=9600, by=SYSTEM)  # a cut the CFO asked for
    AgentEvent.objects.update(consumed_at="2000-01-01T00:00:00Z")
    audits_before = AuditEvent.objects.count()

    row = simulation_advance(organization=company.org, by=SIMULATION)

    sold = row.orders  # 500 in stock covers a day's orders
    burn = 10000 + 9600 + 8000
    assert (row.day, row.stock_on_hand, row.stock_on_order) == (1, 500 - sold, 0)
    assert row.revenue == Decimal(str(sold * HIDDEN_DEFAULTS["sale_price"]))
    assert row.cash == Decimal(str(round(120000 + sold * HIDDEN_DEFAULTS["sale_price"] - burn / 30, 2)))
    assert beliefs_of(company.cfo)["finance.cash"] == float(row.cash)
    assert beliefs_of(company.cfo)["finance.monthly_burn"] == burn  # the COO's cut is in the CFO's burn
    assert beliefs_of(company.coo)["stock.on_hand"] == row.stock_on_hand
    # Each change is the belief services' event, from the system actor "simulation", waking its agent.
    events = {(e.agent.slug, e.args["key"]): e for e in AgentEvent.objects.filter(consumed_at__isnull=True)}
    assert set(events) == {("cfo", "finance.cash"), ("cfo", "finance.monthly_burn"), ("coo", "stock.on_hand")}
    assert {(e.kind, e.source, e.source_name) for e in events.values()} == {("belief_changed", "system", "simulation")}
    assert events[("coo", "stock.on_hand")].args["previous"] == 500
    # One SimulationDay and ONE audit event for the day, naming every belief it changed.
    assert SimulationDay.objects.filter(simulation=company.simulation).count() == 1
    assert AuditEvent.objects.count() == audits_before + 1
    [audit] = _audits(company.simulation)
    assert audit.changes["day"] == [0, 1] and audit.changes["coo:stock.on_hand"] == [500, row.stock_on_hand]
    assert audit.changes["cfo:finance.monthly_burn"] == [30000, burn] and audit.actor_name == "simulation"
    company.simulation.refresh_from_db()
    assert company.simulation.day == 1


def test_the_same_seed_gives_the_same_days_and_another_seed_other_days():
    def run(seed: int) -> list[tuple]:
        company = company_create(seed=seed)
        for _ in range(6):
            simulation_advance(organization=company.org, by=SIMULATION)
        return list(SimulationDay.objects.filter(simulation=company.simulation).order_by("day")
                    .values_list("day", "cash", "stock_on_hand", "orders", "revenue"))

    first = run(11)
    assert len(first) == 6 and first == run(11) and first != run(12)


def test_an_order_the_coo_placed_arrives_after_the_lead_time_and_is_paid_at_its_suppliers_price():
    company = company_create(seed=3)
    belief_set(agent=company.coo, key="stock.on_order", value=200, by=SYSTEM)  # as the COO's order plan does
    belief_set(agent=company.coo, key="stock.last_supplier", value="Hanse Supplies", by=SYSTEM)
    rows = [simulation_advance(organization=company.org, by=SIMULATION) for _ in range(3)]
    assert [r.stock_on_order for r in rows] == [200, 200, 0]
    assert rows[2].stock_on_hand == rows[1].stock_on_hand + 200 - rows[2].orders
    paid = float(rows[1].cash) + float(rows[2].revenue) - 30000 / 30 - float(rows[2].cash)
    assert paid == pytest.approx(200 * 6)  # Hanse's unit price, on delivery
    assert beliefs_of(company.coo)["stock.on_order"] == 0


def test_a_running_campaign_gets_its_result_a_day_later_and_every_agent_a_new_week():
    company = company_create(seed=5)
    campaign = {"channel": "email", "budget": 500, "started": "2026-12-01T10:00:00+00:00"}
    belief_set(agent=company.cmo, key="marketing.active_campaign", value=campaign, by=SYSTEM)
    simulation_advance(organization=company.org, by=SIMULATION)
    assert "marketing.campaign_result" not in beliefs_of(company.cmo)
    simulation_advance(organization=company.org, by=SIMULATION)
    result = beliefs_of(company.cmo)["marketing.campaign_result"]
    assert result["channel"] == "email" and result["started"] == campaign["started"] and result["day"] == 2
    assert isinstance(result["success"], bool)
    for _ in range(5):
        simulation_advance(organization=company.org, by=SIMULATION)
    assert {beliefs_of(agent).get("calendar.week") for agent in company.agents.values()} == {1}  # day 7
    assert beliefs_of(company.cmo)["marketing.campaign_result"] == result  # judged once


@pytest.mark.parametrize("marked", ["never", "switched off", "unmarked"])
def test_an_organization_that_is_not_a_simulation_is_refused_and_nothing_is_written(marked):
    company = company_create(seed=None if marked == "never" else 4)
    if marked == "switched off":
        simulation_switch(simulation=company.simulation, enabled=False, by=SYSTEM)
    elif marked == "unmarked":
        simulation_unmark(simulation=company.simulation, by=SYSTEM)
    before, beliefs = _written(), beliefs_of(company.coo)
    with pytest.raises(NotASimulation) as refused:
        simulation_advance(organization=company.org, by=SIMULATION)
    assert "organization" in refused.value.fields and company.org.name in refused.value.detail
    assert refused.value.code == "not_a_simulation"
    assert _written() == before and beliefs_of(company.coo) == beliefs


def test_the_command_advances_a_simulation_and_refuses_anything_else_with_a_message_and_an_error_exit():
    company, plain = company_create(seed=8), company_create(seed=None)
    out = StringIO()
    call_command("simulation_advance", organization=company.org.slug, days=3, stdout=out)
    assert out.getvalue().count("day ") == 3 and SimulationDay.objects.count() == 3
    before = _written()
    with pytest.raises(CommandError, match="not marked as a simulation"):
        call_command("simulation_advance", organization=plain.org.slug)
    with pytest.raises(CommandError, match="no organization"):
        call_command("simulation_advance", organization="no-such-business")
    assert _written() == before


@pytest.mark.django_db(transaction=True)
def test_the_command_run_as_a_shell_runs_it_exits_non_zero_for_a_non_simulation():
    plain = company_create(seed=None)
    done = subprocess.run([sys.executable, "manage.py", "simulation_advance", "--organization", plain.org.slug],
                          cwd=REPO, env=process_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"Organization {plain.org.name} is not a simulated business" in done.stderr
    assert not SimulationDay.objects.exists() and not Simulation.objects.exists()


def test_the_beat_task_does_nothing_when_the_setting_is_off_and_advances_each_simulation_when_on(settings, monkeypatch):
    on, off, _plain = company_create(seed=1), company_create(seed=2), company_create(seed=None)
    simulation_switch(simulation=off.simulation, enabled=False, by=SYSTEM)
    monkeypatch.setitem(settings.MABOS_CONFIG.values, "SIMULATION_ENABLED", False)
    before = _written()
    assert advance_simulations() == {"enabled": False, "advanced": 0, "skipped": 0, "failed": 0}
    assert _written() == before

    monkeypatch.setitem(settings.MABOS_CONFIG.values, "SIMULATION_ENABLED", True)
    assert advance_simulations()["advanced"] == 1
    assert list(SimulationDay.objects.values_list("simulation__organization", "day")) == [(on.org.pk, 1)]
    # A second tick at once is too soon: half a simulated day has not passed (no day runs twice as fast).
    assert advance_simulations() == {"enabled": True, "advanced": 0, "skipped": 1, "failed": 0}
    assert simulations_tick(min_interval=0).advanced == 1
    assert sorted(SimulationDay.objects.values_list("day", flat=True)) == [1, 2]


def test_the_demo_seed_marks_the_demo_and_nothing_else(operator):
    shop = organization_onboard(by=operator, name="Corner Shop", industry="retail", description="A shop.",
                                size="small", roles=["ceo", "cfo"])
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    [simulation] = Simulation.objects.all()
    assert simulation.organization.slug == "demo-online-retailer" and simulation.enabled and simulation.day == 0
    assert simulation.hidden["campaign_success"] and simulation.seed == 17
    assert not Simulation.objects.filter(organization=shop).exists()
    with pytest.raises(NotASimulation):
        simulation_advance(organization=shop, by=SIMULATION)
    with pytest.raises(InvalidInput, match="already marked") as refused:
        simulation_mark(organization=simulation.organization, seed=1, by=SYSTEM)
    assert "organization" in refused.value.fields


def test_the_series_are_the_recent_days_oldest_first_in_one_query(django_assert_num_queries):
    companies = [company_create(seed=seed, name=name) for seed, name in ((1, "B shop"), (2, "A shop"), (3, "C shop"))]
    for company, n in zip(companies, (5, 3, 0), strict=True):
        for _ in range(n):
            simulation_advance(organization=company.org, by=SIMULATION)
    unmarked = company_create(seed=None, name="D shop")
    organizations = Organization.objects.filter(pk__in=[c.org.pk for c in [*companies, unmarked]])
    with django_assert_num_queries(1):
        series = simulation_series(organizations=organizations, days=4)
        shown = [(s.organization.name, [d.day for d in s.days], s.simulation.day) for s in series]
    assert shown == [("A shop", [1, 2, 3], 3), ("B shop", [2, 3, 4, 5], 5)]  # C has no day yet, D is no simulation
    stored = SimulationDay.objects.get(simulation=companies[0].simulation, day=5)
    assert (series[1].days[-1].pk, series[1].days[-1].cash) == (stored.pk, stored.cash)
    with django_assert_num_queries(1):
        assert [len(s.days) for s in simulation_series(organizations=organizations)] == [3, 5]
    with pytest.raises(InvalidInput) as refused:
        simulation_series(organizations=organizations, days=0)
    assert "days" in refused.value.fields
