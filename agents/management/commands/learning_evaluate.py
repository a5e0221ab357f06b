"""Compare plan selection policies offline: replay an organization's outcome log (agents/learning/replay.py)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from agents.learning.bandit import POLICIES
from agents.learning.models import SelectionPolicy
from agents.learning.replay import Replay, log_load, replay
from agents.organization.models import Organization
from agents.organization.selectors import organization_named
from agents.reasoning.plans.triggers import TriggerKind

WARNING = ("Replay (Li et al. 2011) is unbiased only when the log was collected with uniformly random plan choices; "
           "with a log of another policy the estimates lean towards what that policy chose.")


def _organization(value: str) -> Organization:
    found = organization_named(value)
    if found is None:
        raise CommandError(f"--organization: no organization with the slug or id {value!r}.")
    return found


def _trigger(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    kind, sep, name = value.partition(":")
    if not sep or kind not in TriggerKind.values or not name:
        raise CommandError(f"--trigger: {value!r} is not <kind>:<name> (goal_added:sell); the kinds are "
                           f"{', '.join(TriggerKind.values)}.")
    return kind, name


def _since(value: str | None) -> datetime.datetime | None:
    if value is None:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        moment = datetime.datetime.combine(day, datetime.time()) if day else None
    if moment is None:
        raise CommandError(f"--since: {value!r} is not a date or a date and time (2026-01-31, 2026-01-31T12:00Z).")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _weight(organization: Organization, trigger: tuple[str, str] | None) -> float:
    """The shared weight the organization uses (its trigger's policy, else its default; 1 without one)."""
    policies = {(p.trigger_kind, p.trigger_name): p.shared_weight
                for p in SelectionPolicy.objects.filter(organization=organization)}
    return policies.get(trigger or ("", ""), policies.get(("", ""), 1.0))


def report(result: Replay) -> dict[str, Any]:
    return {"events": result.events, "logged_success": result.logged, "warning": WARNING,
            "policies": {name: {"matched": r.matched, "expected_success": r.expected}
                         for name, r in result.policies.items()}}


class Command(BaseCommand):
    help = ("Replay the plan outcome log of an organization (Li et al. 2011) and print, per selection policy, how "
            "many logged events it agreed with and its expected success, next to the logged policy's actual success.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", required=True, help="The organization's slug or id.")
        parser.add_argument("--trigger", help="Only one trigger: <kind>:<name>, e.g. goal_added:sell.")
        parser.add_argument("--since", help="Only outcomes from this date (or date and time) on.")
        parser.add_argument("--seed", type=int, default=0, help="Thompson sampling's seed (the same run twice "
                                                                  "gives the same numbers).")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = _organization(options["organization"])
        trigger = _trigger(options.get("trigger"))
        since = _since(options.get("since"))
        events, arms, groups = log_load(organization_id=organization.pk, trigger=trigger, since=since)
        result = replay(events, arms=arms, groups=groups, policies=POLICIES, seed=options["seed"],
                        half_life=float(settings.LEARNING["HALF_LIFE_SECONDS"]), weight=_weight(organization, trigger))
        if options["format"] == "json":
            self.stdout.write(json.dumps(report(result), indent=2))
            return
        self.stdout.write(f"{organization.name}: {result.events} logged outcome(s)"
                          + (f" of {trigger[0]}:{trigger[1]}" if trigger else "")
                          + (f" since {since.isoformat()}" if since else ""))
        self.stdout.write(f"  {'logged policy':<18} actual success {_pct(result.logged)}")
        for name, policy in result.policies.items():
            self.stdout.write(f"  {name:<18} expected success {_pct(policy.expected)} "
                              f"({policy.matched} of {result.events} events matched)")
        self.stdout.write(self.style.WARNING(WARNING))


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1%}"
