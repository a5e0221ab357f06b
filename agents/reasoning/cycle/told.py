"""tellHow in the cycle: an agent tells a group member one of its plans, and the member adopts it or refuses.

Jason's ``tellHow`` adds a plan to the receiver's library. In MABOS the teller sends an ``inform`` with
ontology ``mabos:plan`` whose content names a plan version (``tell_how`` step, or an operator through the
API: ``plans.tell_how.told_content`` builds the same content for both). The receiver's cycle takes that message before
plan selection (``plan_told``, next to protocol routing): it adopts the version (a ``PlanAdoption`` row,
written with the batch) when all of these hold, and refuses otherwise, each with a trace entry:

- the sender is an agent of the receiver's organization;
- the two share a group (leader or member, not observer);
- the receiver's role allows it (``AgentRole.adopts_told_plans``);
- the version exists and belongs to a plan of the organization or of a global role template;
- it is not older than a version of the same plan the receiver adopted before.

The message is consumed either way; no plan is selected for it. Only the version's id is trusted: the
document in the content is for people reading the message, the receiver runs the stored version.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from agents.common.limits import CONTENT_MAX_CHARS
from agents.common.validation import check_json, parse_uuid
from agents.organization.models import AgentRole
from agents.reasoning.cycle.errors import StepFailed
from agents.reasoning.cycle.state import Draft
from agents.reasoning.plans.models import PlanVersion, learning_of
from agents.reasoning.plans.steps import body_in_order
from agents.reasoning.plans.tell_how import PLAN_ONTOLOGY, TOLD_PERFORMATIVE, told_content
from agents.reasoning.plans.triggers import TriggerKind, trigger_of
from mabos.errors import InvalidInput

if TYPE_CHECKING:
    from agents.reasoning.cycle.library import Candidate
    from agents.reasoning.events.models import AgentEvent

#: The interpreter's ``Cycle`` calls these; naming its type here would be an import circle.
Cycle = Any



def is_told(message: Any) -> bool:
    return message is not None and message.ontology == PLAN_ONTOLOGY and message.performative == TOLD_PERFORMATIVE


def candidate_document(candidate: Candidate) -> dict[str, Any]:
    """A candidate's plan document, as ``plan_document`` gives it for a stored version."""
    return {"label": candidate.label, "trigger": trigger_of(candidate.kind, candidate.name, candidate.ontology,
                                                            candidate.protocol),
            "args": list(candidate.args), "context": candidate.context, "body": body_in_order(candidate.body),
            "atomic": candidate.atomic, "source_order": candidate.source_order,
            "learning": learning_of(candidate.learning)}


# --------------------------------------------------------------------- telling
def tell(cycle: Cycle, intention: Any, candidate: Candidate, targets: Iterable[tuple[Any, bool]], label: str) -> str:
    """A ``tell_how`` step: the plan called ``label`` sent to each target (a name, and whether it was written
    bare) as a draft of the batch's outbox. StepFailed: ``bad_recipient`` (nobody of the organization),
    ``not_group_member`` (a recipient in no group with the sender), ``unknown_plan``, ``bad_content``."""
    agent = cycle.mind.agent
    recipients: list[Any] = []
    for name, bare in targets:
        for pk in cycle.directory.resolve(organization_id=agent.organization_id, name=name,
                                          template=candidate.template and bare):
            if pk == agent.pk:
                continue  # a group:<name> or role:<slug> that holds the teller: it knows its plans
            if not cycle.directory.share_group(agent.organization_id, agent.pk, pk):
                raise StepFailed("not_group_member", f"{name} is in no group with the sender.")
            if pk not in recipients:
                recipients.append(pk)
    if not recipients:
        raise StepFailed("bad_recipient", "Nobody to tell: an agent does not tell itself a plan.")
    told = cycle.library.labelled(organization_id=agent.organization_id, role_id=agent.role_id,
                                  agent_id=agent.pk, label=label)
    if told is None:
        raise StepFailed("unknown_plan", f"No plan {label!r} this agent may use (enabled, in its scope).")
    content = told_content(plan_id=told.plan_id, version_id=told.version_id, number=told.version,
                           document=candidate_document(told))
    try:
        check_json("content", content, max_chars=CONTENT_MAX_CHARS)
    except InvalidInput as invalid:
        raise StepFailed("bad_content", str(invalid)) from None
    cycle.mind.drafts.append(Draft(recipients=recipients, performative=TOLD_PERFORMATIVE, content=content,
                                   ontology=PLAN_ONTOLOGY, protocol="", conversation_id=uuid.uuid4(),
                                   in_reply_to=None, key=f"intention:{intention.id}:{intention.steps_total}"))
    return f"told plan `{told.label}` v{told.version} to {', '.join(str(name) for name, _ in targets)}"


# --------------------------------------------------------------------- receiving
def told_load(agents: Iterable[Any], messages: dict[Any, Any], events: dict[Any, list[Any]]
              ) -> tuple[dict[str, PlanVersion], set[Any]]:
    """What the batch's receivers need to judge the plans they are told: the versions named (with their
    plans) and the roles that adopt. Two queries, only when a pending event is a told plan."""
    receivers, wanted = set(), set()
    for agent_id, pending in events.items():
        for event in pending:
            message = messages.get(event.message_id) if event.message_id else None
            if is_told(message):
                receivers.add(agent_id)
                pk = parse_uuid((message.content or {}).get("version")) if isinstance(message.content, dict) else None
                if pk is not None:
                    wanted.add(pk)
    if not receivers:
        return {}, set()
    versions = {str(v.pk): v for v in PlanVersion.objects.filter(pk__in=wanted).select_related("plan")} \
        if wanted else {}
    roles = {agent.role_id for agent in agents if agent.pk in receivers}
    adopting = set(AgentRole.objects.filter(pk__in=roles, adopts_told_plans=True).values_list("pk", flat=True))
    return versions, adopting


def plan_told(cycle: Cycle, event: AgentEvent) -> bool:
    """A told plan taken before plan selection: adopted or refused, traced; True when the message was one."""
    message = cycle.mind.messages.get(event.message_id)
    if not is_told(message):
        return False
    agent = cycle.mind.agent
    sender = message.sender_agent_id
    who = cycle.directory.slug_of(agent.organization_id, sender) if sender else "a person"
    content = message.content if isinstance(message.content, dict) else {}
    version = cycle.mind.told.get(str(parse_uuid(content.get("version")) or ""))
    refusal = ""
    if sender is None or not cycle.directory.in_organization(agent.organization_id, sender):
        refusal = "the sender is not an agent of this organization"
    elif not cycle.directory.share_group(agent.organization_id, agent.pk, sender):
        refusal = f"{who} is not a member of a group with this agent"
    elif not cycle.mind.adopts:
        refusal = "this agent's role may not adopt told plans"
    elif version is None:
        refusal = "the plan version does not exist"
    elif version.plan.organization_id not in (None, agent.organization_id):  # None: a global role template
        refusal = "the plan belongs to another organization"
    else:
        before = cycle.library.adopted(agent.pk, version.plan_id)
        if before is not None and before.version > version.version:
            refusal = f"it adopted v{before.version} of the plan already"
    if refusal:
        cycle.trace["choice"] = {"why": f"refused: {refusal}", "told": {"result": "refused", "reason": refusal,
                                                                       "from": str(sender) if sender else None}}
        return True
    cycle.mind.adoptions.append({"plan": version.plan_id, "version": version.pk, "told_by": sender,
                                 "message": message.pk,
                                 "goal": version.trigger_name if version.trigger_kind == TriggerKind.GOAL_ADDED
                                 else None})
    ref = {"plan": str(version.plan_id), "label": version.plan.label, "version": version.version}
    cycle.trace["choice"] = {"why": f"adopted plan {version.plan.label} v{version.version} from {who}",
                             "told": {"result": "adopted", **ref, "from": str(sender)}}
    return True
