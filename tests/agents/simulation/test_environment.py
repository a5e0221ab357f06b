"""The simulated business's rules in pure Python (agents/simulation/environment.py): no database."""

from __future__ import annotations

import pytest

from agents.simulation.environment import (
    CHANNEL_ODDS,
    CHANNELS,
    HIDDEN_DEFAULTS,
    START,
    Books,
    calendar_of,
    day_run,
    hidden_draw,
    outcome_draw,
)

BOOKS = Books(cash=START["finance.cash"], monthly_burn=START["finance.monthly_burn"],
              operations_spend=START["operations.monthly_spend"], marketing_spend=START["marketing.monthly_spend"],
              on_hand=START["stock.on_hand"], on_order=0)


def days(seed: int, n: int, books: Books = BOOKS) -> list:
    """``n`` days with nobody acting: each day starts from the figures the last one left."""
    hidden, state, out = hidden_draw(seed), {}, []
    for day in range(1, n + 1):
        result = day_run(seed=seed, day=day, hidden=hidden, state=state, books=books)
        out.append(result)
        state = result.state
        books = Books(cash=result.cash, monthly_burn=result.monthly_burn, operations_spend=books.operations_spend,
                      marketing_spend=books.marketing_spend, on_hand=result.on_hand, on_order=result.on_order)
    return out


def test_the_hidden_parameters_deal_the_channels_odds_by_seed():
    drawn = {seed: hidden_draw(seed)["campaign_success"] for seed in range(12)}
    for odds in drawn.values():
        assert set(odds) == set(CHANNELS) and sorted(odds.values()) == sorted(CHANNEL_ODDS)
    assert len({tuple(odds.values()) for odds in drawn.values()}) > 1  # the seed decides which channel is best
    assert hidden_draw(3) == hidden_draw(3)
    assert {k: v for k, v in hidden_draw(3).items() if k != "campaign_success"} == HIDDEN_DEFAULTS


def test_a_seed_gives_the_same_days_and_another_seed_other_days():
    first = [(d.orders, d.cash, d.on_hand) for d in days(17, 20)]
    assert first == [(d.orders, d.cash, d.on_hand) for d in days(17, 20)]
    assert first != [(d.orders, d.cash, d.on_hand) for d in days(18, 20)]


def test_the_templates_starting_figures_break_the_reorder_level_on_day_3_or_4_and_the_runway_within_two_months():
    for seed in range(20):
        run = days(seed, 60)
        broken = next(d.day for d in run if d.on_hand + d.on_order < 200)
        assert broken in (3, 4), seed
        below = next(d.day for d in run if d.cash < 3 * d.monthly_burn)
        assert 20 <= below <= 45, (seed, below)  # a few minutes at 5 s a day, and not at once


def test_a_day_ships_what_stock_covers_and_charges_a_thirtieth_of_the_burn():
    [day] = days(5, 1)
    assert day.orders > 0 and day.shipped == day.orders and day.on_hand == 500 - day.orders
    assert day.revenue == day.shipped * HIDDEN_DEFAULTS["sale_price"]
    assert day.monthly_burn == 30000
    assert day.cash == pytest.approx(120000 + day.revenue - 1000)
    short = day_run(seed=5, day=1, hidden=hidden_draw(5), state={}, books=Books(**{**BOOKS.__dict__, "on_hand": 7}))
    assert short.shipped == 7 and short.on_hand == 0 and short.orders == day.orders  # stock-out: orders are lost


def test_an_order_arrives_after_the_lead_time_and_is_paid_on_delivery_at_the_suppliers_price():
    hidden, books = hidden_draw(1), Books(**{**BOOKS.__dict__, "on_order": 200, "supplier_price": 6.0})
    placed = day_run(seed=1, day=4, hidden=hidden, state={}, books=books)
    assert placed.arrived == 0 and placed.on_order == 200 and placed.payments == 0
    assert placed.state["in_transit"] == [{"units": 200, "arrives": 4 + hidden["lead_time_days"], "unit_price": 6.0}]
    waiting = day_run(seed=1, day=5, hidden=hidden, state=placed.state, books=books)
    assert waiting.arrived == 0 and waiting.on_order == 200
    arrived = day_run(seed=1, day=6, hidden=hidden, state=waiting.state, books=books)
    assert arrived.arrived == 200 and arrived.on_order == 0 and arrived.payments == 1200
    assert arrived.on_hand == 500 + 200 - arrived.shipped
    assert arrived.cash == pytest.approx(books.cash + arrived.revenue - 1000 - 1200)
    # an unknown supplier: the hidden unit cost
    unknown = day_run(seed=1, day=4, hidden=hidden, state={}, books=Books(**{**BOOKS.__dict__, "on_order": 10}))
    assert unknown.state["in_transit"][0]["unit_price"] == HIDDEN_DEFAULTS["unit_cost"]


def test_a_campaign_is_judged_a_day_after_it_was_seen_once_and_a_success_lifts_demand():
    hidden = {**hidden_draw(2), "campaign_success": {"social": 1.0, "email": 0.0, "discount": 0.5}}
    campaign = {"channel": "social", "budget": 500, "started": "2026-01-01T00:00:00Z"}
    books = Books(**{**BOOKS.__dict__, "active_campaign": campaign})
    seen = day_run(seed=2, day=1, hidden=hidden, state={}, books=books)
    assert seen.campaign_result is None and seen.state["campaign"]["seen"] == 1
    judged = day_run(seed=2, day=2, hidden=hidden, state=seen.state, books=books)
    assert judged.campaign_result == {"success": True, "channel": "social", "day": 2, "started": campaign["started"]}
    assert judged.state["lift_until"] == 2 + hidden["campaign_lift_days"]
    again = day_run(seed=2, day=3, hidden=hidden, state=judged.state, books=books)
    assert again.campaign_result is None  # judged once
    lifted = [day_run(seed=2, day=d, hidden=hidden, state=judged.state, books=books).orders for d in range(3, 43)]
    plain = [day_run(seed=2, day=d, hidden=hidden, state={}, books=BOOKS).orders for d in range(3, 43)]
    assert sum(lifted[:3]) > sum(plain[:3]) * 1.3 and lifted[3:] == plain[3:]  # three days, then as before
    email = Books(**{**BOOKS.__dict__, "active_campaign": {**campaign, "channel": "email", "started": "later"}})
    failed = day_run(seed=2, day=4, hidden=hidden, state=day_run(seed=2, day=3, hidden=hidden, state=judged.state,
                                                                 books=email).state, books=email)
    assert failed.campaign_result["success"] is False and failed.campaign_result["channel"] == "email"


def test_the_outcome_draw_is_seeded_per_stream_and_as_likely_as_it_says():
    draws = [outcome_draw(seed=3, stream="campaign:social", trial=t, probability=0.3) for t in range(4000)]
    assert draws == [outcome_draw(seed=3, stream="campaign:social", trial=t, probability=0.3) for t in range(4000)]
    assert sum(draws) / len(draws) == pytest.approx(0.3, abs=0.03)
    other = [outcome_draw(seed=3, stream="campaign:email", trial=t, probability=0.3) for t in range(4000)]
    assert other != draws
    assert not any(outcome_draw(seed=1, stream="x", trial=t, probability=0.0) for t in range(100))
    assert all(outcome_draw(seed=1, stream="x", trial=t, probability=1.0) for t in range(100))


def test_the_calendar_starts_a_week_every_seventh_day_and_a_month_every_thirtieth():
    assert calendar_of(6) == {} and calendar_of(7) == {"calendar.week": 1} and calendar_of(14) == {"calendar.week": 2}
    assert calendar_of(30) == {"calendar.month": 1} and calendar_of(210) == {"calendar.week": 30, "calendar.month": 7}
