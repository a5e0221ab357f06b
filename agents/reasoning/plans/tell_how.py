"""tellHow from a person: an operator makes an agent they operate tell a group member one of its plans.

The message is the one a ``tell_how`` step sends (``cycle/told.py``): an ``inform`` with ontology
``mabos:plan`` whose content names the plan's current version, sent as the agent through the messaging
service. The receiver's cycle then adopts it or refuses it exactly as for a plan's step. Refused here
(a 400 naming the field): a recipient of another organization, one in no group with the teller, the
teller itself; a plan the teller may not use (another organization's, another role template's, disabled).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from agents.agent.models import Agent, Membership, MembershipRole
from agents.common.errors import invalid
from agents.messaging.models import Message
from agents.messaging.services.send import message_send
from agents.reasoning.plans.models import PlanVersion
from agents.reasoning.plans.services import plan_document

#: The ontology of a told plan's ``inform`` (the receiver's cycle routes on it).
PLAN_ONTOLOGY = "mabos:plan"
TOLD_PERFORMATIVE = "inform"


def told_content(*, plan_id: Any, version_id: Any, number: int, document: dict[str, Any]) -> dict[str, Any]:
    """The content of a told plan's message: what the receiver adopts (the version) and what people read."""
    return {"plan": str(plan_id), "version": str(version_id), "number": number, "label": document["label"],
            "document": document}


def share_group(one: Any, other: Any) -> bool:
    """Whether two agents are leader or members (not observers) of one group (one query)."""
    groups = Membership.objects.filter(agent_id=one).exclude(role=MembershipRole.OBSERVER).values("group_id")
    return Membership.objects.filter(agent_id=other, group_id__in=groups).exclude(
        role=MembershipRole.OBSERVER).exists()


def told_plan(*, teller: Agent, plan_id: Any) -> PlanVersion:
    """The current version of a plan ``teller`` may use: its organization's, its role template's, or one it
    adopted. A 400 naming ``plan`` otherwise, the same words whether it exists elsewhere or not at all."""
    usable = Q(plan__organization_id=teller.organization_id) | Q(plan__role_id=teller.role_id) \
        | Q(plan__adoptions__agent=teller)
    version = (PlanVersion.objects.filter(usable, plan_id=plan_id, is_current=True, plan__enabled=True)
               .select_related("plan").first())
    if version is None:
        raise invalid("plan", "No plan this agent may use (its organization's, its role template's, or adopted; "
                              "enabled).")
    return version


@transaction.atomic
def plan_tell(*, teller: Agent, to: Agent | None, plan_id: Any, by: Any) -> Message:
    """``teller`` tells ``to`` the plan (its current version): one message, audited as a person speaking as the
    agent. ``to`` None: an agent the caller may not see (the same 400 as another organization's)."""
    if to is None or to.organization_id != teller.organization_id:
        raise invalid("to", "No agent of the teller's organization with this id.")
    if to.pk == teller.pk:
        raise invalid("to", "An agent does not tell itself a plan.")
    if not share_group(teller.pk, to.pk):
        raise invalid("to", "The recipient is in no group with the teller: tellHow is between group members.")
    version = told_plan(teller=teller, plan_id=plan_id)
    content = told_content(plan_id=version.plan_id, version_id=version.pk, number=version.version,
                           document=plan_document(version))
    result = message_send(organization=teller.organization, by=by, sender_agent=teller, to=[to.pk],
                          performative=TOLD_PERFORMATIVE, ontology=PLAN_ONTOLOGY, content=content, audit=True)
    return result.message

