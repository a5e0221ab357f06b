"""The plans a batch of agents may use, loaded once per batch, and the agents a plan may name.

An agent's candidates are the current versions of the enabled plans of its organization and of its role
template, one list in source order (ties: the older plan first), as docs/reasoning.md says. Frames of
running intentions may stand on older versions: those are loaded by id, so an intention finishes on the
exact version it started with even after the plan was revised or disabled.

An agent also runs the plans group members told it (tellHow, ``PlanAdoption``): the adopted version joins
its own candidates (scope ``("agent", id)``), unless its plan is one the agent has anyway or is disabled.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from agents.agent.models import Agent, Membership, MembershipRole
from agents.common.validation import parse_uuid
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.expressions import CompiledExpression, compile_expression
from agents.reasoning.plans.models import PlanAdoption, PlanVersion, learning_of
from agents.reasoning.plans.references import GROUP_PREFIX, ROLE_PREFIX
from agents.reasoning.plans.triggers import TriggerKind


@dataclass(frozen=True)
class Candidate:
    """One plan version as the cycle runs it (its context parsed once: compile_expression caches it)."""

    version_id: Any
    plan_id: Any
    label: str
    version: int
    kind: str
    name: str
    ontology: str
    protocol: str
    args: tuple[str, ...]
    context: str
    body: list[dict[str, Any]]
    source_order: int
    atomic: bool
    plan_created: datetime.datetime
    template: bool
    #: Reward, cost and features, defaults filled in (docs/reasoning.md, Plans): what learning judges it by.
    learning: dict[str, Any]

    @property
    def compiled_context(self) -> CompiledExpression | None:
        if not self.context:
            return None
        return compile_expression(self.context, field="context", bound_names=self.args)

    def ref(self) -> dict[str, Any]:
        return {"plan": str(self.plan_id), "label": self.label, "version": self.version}


def _candidate(version: PlanVersion) -> Candidate:
    plan = version.plan
    return Candidate(version_id=version.pk, plan_id=plan.pk, label=plan.label, version=version.version,
                     kind=version.trigger_kind, name=version.trigger_name, ontology=version.trigger_ontology,
                     protocol=version.trigger_protocol, args=tuple(version.args or ()), context=version.context,
                     body=version.body or [], source_order=version.source_order, atomic=version.atomic,
                     plan_created=plan.created_at, template=plan.role_id is not None,
                     learning=learning_of(version.learning))


class Library:
    """Candidate plans by scope and trigger, and every version a live frame stands on."""

    def __init__(self, current: Iterable[PlanVersion], running: Iterable[PlanVersion] = (),
                 adopted: Iterable[tuple[Any, PlanVersion]] = ()) -> None:
        self._by_trigger: dict[tuple[str, Any, str, str], list[Candidate]] = defaultdict(list)
        self._by_label: dict[tuple[str, Any, str], Candidate] = {}
        self._adopted: dict[tuple[Any, Any], Candidate] = {}
        self._versions: dict[str, Candidate] = {}
        for version in current:
            candidate = _candidate(version)
            self._versions[str(version.pk)] = candidate
            scope = ("role", version.plan.role_id) if version.plan.role_id else ("org", version.plan.organization_id)
            self._by_trigger[(*scope, candidate.kind, candidate.name)].append(candidate)
            self._by_label[(*scope, candidate.label)] = candidate
        for agent_id, version in adopted:
            candidate = self._versions.setdefault(str(version.pk), _candidate(version))
            self._by_trigger[("agent", agent_id, candidate.kind, candidate.name)].append(candidate)
            self._by_label[("agent", agent_id, candidate.label)] = candidate
            self._adopted[(agent_id, candidate.plan_id)] = candidate
        for version in running:
            self._versions.setdefault(str(version.pk), _candidate(version))
        for candidates in self._by_trigger.values():
            candidates.sort(key=lambda c: (c.source_order, c.plan_created, str(c.plan_id)))

    @classmethod
    def load(cls, *, organization_ids: set[Any], role_ids: set[Any], version_ids: set[str],
             agent_ids: Iterable[Any] = ()) -> Library:
        """Three queries: the current enabled versions of the scopes, the versions the agents adopted (with
        them), and the other versions frames run (only when there are any)."""
        current = list(PlanVersion.objects.filter(is_current=True, plan__enabled=True)
                       .filter(Q(plan__organization_id__in=organization_ids) | Q(plan__role_id__in=role_ids))
                       .select_related("plan"))
        agent_ids = list(agent_ids)
        adopted = [(row.agent_id, row.version) for row in PlanAdoption.objects.filter(
            agent_id__in=agent_ids, plan__enabled=True).select_related("version__plan")] if agent_ids else []
        have = {str(version.pk) for version in current} | {str(version.pk) for _, version in adopted}
        missing = version_ids - have
        running = list(PlanVersion.objects.filter(pk__in=missing).select_related("plan")) if missing else []
        return cls(current, running, adopted)

    def plan_ids(self) -> set[Any]:
        """Every plan a candidate or a live frame of the batch belongs to (what learning reads statistics of)."""
        return {candidate.plan_id for candidate in self._versions.values()}

    def version(self, version_id: Any) -> Candidate | None:
        return self._versions.get(str(version_id))

    def relevant(self, *, organization_id: Any, role_id: Any, kind: str, name: str, ontology: str = "",
                 protocol: str = "", agent_id: Any = None) -> list[Candidate]:
        """Jason's relevant plans: the trigger matches (a message plan's ontology/protocol, when it names
        one, must equal the message's). Source order across the scopes: the organization's, the role
        template's, and the plans this agent adopted (a plan it has anyway counts once)."""
        found = self._by_trigger.get(("org", organization_id, kind, name), []) + \
            self._by_trigger.get(("role", role_id, kind, name), [])
        if agent_id is not None:
            adopted = self._by_trigger.get(("agent", agent_id, kind, name), [])
            if adopted:
                own = {c.plan_id for c in found}
                found = found + [c for c in adopted if c.plan_id not in own]
        if kind == TriggerKind.MESSAGE:
            found = [c for c in found if (not c.ontology or c.ontology == ontology)
                     and (not c.protocol or c.protocol == protocol)]
        if len(found) > 1:
            found.sort(key=lambda c: (c.source_order, c.plan_created, str(c.plan_id)))
        return found


    def adopted(self, agent_id: Any, plan_id: Any) -> Candidate | None:
        """The version of a plan the agent adopted (told by a group member), if it did."""
        return self._adopted.get((agent_id, plan_id))

    def labelled(self, *, organization_id: Any, role_id: Any, agent_id: Any, label: str) -> Candidate | None:
        """The plan called ``label`` an agent may use (its organization's, its role template's, or one it
        adopted, in that order): what a ``tell_how`` step tells."""
        for scope in (("org", organization_id), ("role", role_id), ("agent", agent_id)):
            found = self._by_label.get((*scope, label))
            if found is not None:
                return found
        return None


class Directory:
    """The agents a plan may send to, per organization, loaded on the first send of the batch to it; a
    group's members on the first ``group:`` name (docs/reasoning.md, Recipients)."""

    def __init__(self) -> None:
        self._orgs: dict[Any, dict[str, list[Any]]] = {}
        self._ids: dict[Any, set[str]] = {}
        self._slugs: dict[str, str] = {}
        self._groups: dict[Any, dict[str, list[Any]]] = {}

    def _load(self, organization_id: Any) -> None:
        names: dict[str, list[Any]] = defaultdict(list)
        ids: set[str] = set()
        for pk, slug, role_slug, role_org in Agent.objects.filter(organization_id=organization_id).order_by(
                "slug").values_list("pk", "slug", "role__slug", "role__organization_id"):
            names[f"agent:{slug}"].append(pk)
            names[f"role:{role_slug}"].append(pk)
            if role_org is None:
                names[f"template:{role_slug}"].append(pk)
            ids.add(str(pk))
            self._slugs[str(pk)] = slug
        self._orgs[organization_id], self._ids[organization_id] = names, ids

    def _members(self, organization_id: Any, group: str) -> list[Any]:
        if organization_id not in self._groups:
            members: dict[str, list[Any]] = defaultdict(list)
            for name, agent_id in Membership.objects.filter(organization_id=organization_id).exclude(
                    role=MembershipRole.OBSERVER).order_by("group__name", "agent__slug").values_list(
                    "group__name", "agent_id"):
                members[name].append(agent_id)
            self._groups[organization_id] = members
        return self._groups[organization_id].get(group, [])

    def in_organization(self, organization_id: Any, agent_id: Any) -> bool:
        """Whether ``agent_id`` is an agent of the organization (loaded with its names, once per batch)."""
        if organization_id not in self._orgs:
            self._load(organization_id)
        return str(agent_id) in self._ids[organization_id]

    def slug_of(self, organization_id: Any, agent_id: Any) -> str:
        """An agent of the organization's slug (its id when it is none of the organization's)."""
        return self._slugs.get(str(agent_id), str(agent_id)) if self.in_organization(organization_id, agent_id) \
            else str(agent_id)

    def share_group(self, organization_id: Any, one: Any, other: Any) -> bool:
        """Whether two agents are leader or members (not observers) of one group of the organization."""
        self._members(organization_id, "")
        return any(one in members and other in members for members in self._groups[organization_id].values())

    def resolve(self, *, organization_id: Any, name: Any, template: bool) -> list[Any]:
        """The agent ids ``name`` stands for in the organization: a slug (a role template's slug in a
        template's plan: its holders, or the one of them whose slug it is), an id, ``role:<slug>`` (every agent
        holding the role) or ``group:<name>`` (the group's leader and members, not its observers). StepFailed
        (``bad_recipient``) when it names nobody there."""
        if organization_id not in self._orgs:
            self._load(organization_id)
        if not isinstance(name, str) or not name:
            raise StepFailed("bad_recipient", f"{name!r} does not name an agent.")
        pk = parse_uuid(name)
        if pk is not None and str(pk) in self._ids[organization_id]:
            return [pk]
        prefix, _, rest = name.partition(":")
        if prefix == GROUP_PREFIX and rest:
            found = self._members(organization_id, rest)
            if not found:
                raise StepFailed("bad_recipient", f"No group {rest!r} with members in this organization.")
            return found
        if prefix == ROLE_PREFIX and rest:
            found = self._orgs[organization_id].get(f"role:{rest}")
            if not found:
                raise StepFailed("bad_recipient", f"No agent holds the role {rest!r} in this organization.")
            return found
        found = self._orgs[organization_id].get(f"{'template' if template else 'agent'}:{name}")
        if not found:
            raise StepFailed("bad_recipient", f"No agent {name!r} in this organization.")
        if not template:
            return found[:1]
        # Several agents hold the template (an outside bookkeeper given the CFO's role beside the CFO): the one
        # whose own slug is the template's, as onboarding names each role's agent, is "the cfo".
        own = self._orgs[organization_id].get(f"agent:{name}")
        return own if len(found) > 1 and own and own[0] in found else found
