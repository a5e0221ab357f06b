"""The simulated business's rules, in pure Python: the hidden parameters a seed draws, one day's customers,
deliveries, cash and campaign results, and the one draw every hidden-probability outcome comes from.

No Django here (no models, no settings): the services (``services.py``) read the agents' beliefs, call
``day_run`` and write what it returns; the learning bench (scripts/bench/learning_sim.py) draws its plans'
outcomes with ``outcome_draw``, the draw that decides the simulated campaigns, so the two are one environment.

Everything is deterministic in the seed: a day's customers come from ``random.Random(f"{seed}:{day}")`` (never
the global generator), an outcome from a hash of its seed, stream and trial. The same seed and the same
beliefs give the same days, whatever ran before and in whichever process.
"""

from __future__ import annotations

import copy
import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any

#: The campaign channels of the CMO's plans (agents/onboarding/plan_libraries/cmo.plans).
CHANNELS = ("social", "email", "discount")
#: The channels' success probabilities, dealt to the channels in an order the seed draws: one channel is
#: clearly the best, and which one is for the agents to learn.
CHANNEL_ODDS = (0.25, 0.5, 0.75)

#: The hidden parameters besides the channels' odds. Chosen with the role templates' starting beliefs (cash
#: 120 000, a burn of 30 000 a month = 10 000 fixed + 12 000 operations + 8 000 marketing, 500 in stock, reorder
#: level and quantity 200, suppliers at 5.5 to 6 a unit): 110 orders a day break the reorder level on day 3
#: (day 4 at the latest), and the business loses money unless it is managed, so cash falls below three
#: months of burn after about a month of simulated days (three minutes at 5 s a day) and the CFO's
#: recovery runs.
HIDDEN_DEFAULTS: dict[str, Any] = {
    "mean_daily_orders": 110,
    "sale_price": 9.0,
    "fixed_monthly_costs": 10000,
    "lead_time_days": 2,
    "unit_cost": 5.75,
    "campaign_lift": 1.5,
    "campaign_lift_days": 3,
}

#: Where a figure starts when no agent holds it yet: the role templates' starting beliefs.
START = {"finance.cash": 120000, "finance.monthly_burn": 30000, "operations.monthly_spend": 12000,
         "marketing.monthly_spend": 8000, "stock.on_hand": 500, "stock.on_order": 0}

DAYS_PER_WEEK = 7
DAYS_PER_MONTH = 30


def hidden_draw(seed: int) -> dict[str, Any]:
    """The hidden parameters of a business of ``seed``: the defaults, and the channels' odds dealt by the seed."""
    odds = list(CHANNEL_ODDS)
    random.Random(f"{seed}:hidden").shuffle(odds)  # noqa: S311 (a reproducible environment, not a secret)
    return {**copy.deepcopy(HIDDEN_DEFAULTS), "campaign_success": dict(zip(CHANNELS, odds, strict=True))}


def outcome_draw(*, seed: int, stream: str, trial: int, probability: float) -> bool:
    """Whether trial ``trial`` of ``stream`` succeeds, with chance ``probability``: a Bernoulli draw that is a
    pure function of (seed, stream, trial), so a table drawn beforehand and a draw made on the day agree, and
    two streams (two channels, two agents' plans) never share luck. A 64-bit hash, not ``random.Random``: the
    learning bench draws hundreds of thousands of these, and seeding a generator per draw costs 20 times more.
    """
    digest = hashlib.blake2b(f"{seed}:{stream}:{trial}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64 < probability


def campaign_draw(*, seed: int, hidden: dict[str, Any], channel: str, day: int) -> bool:
    """Whether the campaign on ``channel`` judged on ``day`` succeeded: its hidden odds (0 for a channel the
    business does not know), drawn by ``outcome_draw`` on the stream ``campaign:<channel>``."""
    probability = float((hidden.get("campaign_success") or {}).get(channel, 0.0))
    return outcome_draw(seed=seed, stream=f"campaign:{channel}", trial=day, probability=probability)


def calendar_of(day: int) -> dict[str, int]:
    """The calendar beliefs a day starts: ``calendar.week`` on every 7th day, ``calendar.month`` every 30th."""
    starts = {}
    if day % DAYS_PER_WEEK == 0:
        starts["calendar.week"] = day // DAYS_PER_WEEK
    if day % DAYS_PER_MONTH == 0:
        starts["calendar.month"] = day // DAYS_PER_MONTH
    return starts


@dataclass(frozen=True)
class Books:
    """Where the business stands when a day begins, as the agents believe it: the CFO's cash and burn, the
    COO's stock and spend, the CMO's spend and running campaign, and the unit price of the supplier the COO
    last bought from (None when unknown)."""

    cash: float
    monthly_burn: float
    operations_spend: float
    marketing_spend: float
    on_hand: int
    on_order: int
    active_campaign: Any = None
    supplier_price: float | None = None


@dataclass(frozen=True)
class Day:
    """What one day did: its customers' orders, the units shipped and what they brought in, the goods that
    arrived and what they cost, the burn, the figures after it, a campaign result (None if none was judged)
    and the environment's state for the next day."""

    day: int
    orders: int
    shipped: int
    revenue: float
    arrived: int
    payments: float
    monthly_burn: float
    cash: float
    on_hand: int
    on_order: int
    campaign_result: dict[str, Any] | None
    state: dict[str, Any]


def _deliveries(books: Books, transit: list[dict[str, Any]], *, day: int, hidden: dict[str, Any]
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(still in transit, arrived today). An order the COO placed since yesterday (its ``stock.on_order`` above
    what is already in transit) leaves the supplier today and arrives after the lead time; an on-order figure
    someone lowered by hand takes the newest shipments off."""
    transit = [dict(item) for item in transit]
    known = sum(item["units"] for item in transit)
    if books.on_order > known:
        price = books.supplier_price if books.supplier_price is not None else float(hidden["unit_cost"])
        transit.append({"units": books.on_order - known, "arrives": day + int(hidden["lead_time_days"]),
                        "unit_price": price})
    excess = sum(item["units"] for item in transit) - max(books.on_order, 0)
    while excess > 0 and transit:
        taken = min(transit[-1]["units"], excess)
        transit[-1]["units"] -= taken
        excess -= taken
        if transit[-1]["units"] == 0:
            transit.pop()
    return [i for i in transit if i["arrives"] > day], [i for i in transit if i["arrives"] <= day]


def _campaign(books: Books, state: dict[str, Any], *, seed: int, day: int, hidden: dict[str, Any]
              ) -> dict[str, Any] | None:
    """The result of the CMO's running campaign, a day after the simulation first saw it; None otherwise. A
    success lifts demand for ``campaign_lift_days`` days from tomorrow (``state["lift_until"]``)."""
    active = books.active_campaign if isinstance(books.active_campaign, dict) else None
    judged = state.get("campaign")
    if active is not None and (judged is None or judged.get("started") != active.get("started")):
        judged = {"started": active.get("started"), "channel": str(active.get("channel", "")), "seen": day,
                  "answered": False}
    state["campaign"] = judged
    if judged is None or judged["answered"] or day < judged["seen"] + 1:
        return None
    success = campaign_draw(seed=seed, hidden=hidden, channel=judged["channel"], day=day)
    judged["answered"] = True
    if success:
        state["lift_until"] = day + int(hidden["campaign_lift_days"])
    return {"success": success, "channel": judged["channel"], "day": day, "started": judged["started"]}


def day_run(*, seed: int, day: int, hidden: dict[str, Any], state: dict[str, Any], books: Books) -> Day:
    """Simulate ``day`` from ``books``: a pure function of its arguments.

    In order: goods due today arrive (on order -> on hand, paid on delivery at the supplier's unit price);
    customers order (a normal draw around the mean, lifted after a successful campaign) and what stock
    covers is shipped and paid at the sale price; the month's burn (fixed costs + operations + marketing
    spend) is charged by the day; the running campaign, seen a day ago, is judged by its channel's odds.
    """
    state = copy.deepcopy(state)
    transit, arrived = _deliveries(books, state.get("in_transit", []), day=day, hidden=hidden)
    state["in_transit"] = transit
    arrived_units = sum(item["units"] for item in arrived)
    payments = sum(item["units"] * float(item["unit_price"]) for item in arrived)
    on_hand = max(books.on_hand, 0) + arrived_units
    on_order = max(books.on_order - arrived_units, 0)

    lifted = day <= int(state.get("lift_until", 0))
    mean = float(hidden["mean_daily_orders"]) * (float(hidden["campaign_lift"]) if lifted else 1.0)
    rng = random.Random(f"{seed}:{day}")  # noqa: S311 (a reproducible environment, not a secret)
    orders = max(0, round(rng.gauss(mean, math.sqrt(mean))))
    shipped = min(orders, on_hand)
    on_hand -= shipped
    revenue = round(shipped * float(hidden["sale_price"]), 2)

    burn = round(float(hidden["fixed_monthly_costs"]) + books.operations_spend + books.marketing_spend, 2)
    cash = round(books.cash + revenue - burn / DAYS_PER_MONTH - payments, 2)
    result = _campaign(books, state, seed=seed, day=day, hidden=hidden)
    return Day(day=day, orders=orders, shipped=shipped, revenue=revenue, arrived=arrived_units,
               payments=round(payments, 2), monthly_burn=burn, cash=cash, on_hand=on_hand, on_order=on_order,
               campaign_result=result, state=state)
