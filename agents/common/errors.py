"""Domain errors of the agents app, built on the shared ones the API maps to status codes."""

from __future__ import annotations

from mabos.errors import Conflict, InvalidInput


def agent_label(agent_id: object, name: str = "") -> str:
    """How an error names an agent: by name and id ("CFO (a0f7…)"), so a person knows which one without a
    look-up and a program can still match the id; just "Agent <id>" when the name is not at hand."""
    return f"{name} ({agent_id})" if name else f"Agent {agent_id}"


class InvalidTransition(Conflict):
    """The agent's status does not allow this lifecycle action (409, names ``status``)."""

    code = "invalid_transition"

    def __init__(self, action: str, status: str):
        detail = f"Cannot {action} an agent that is {status}."
        super().__init__(detail)
        self.fields = {"status": [detail]}


class StaleVersion(Conflict):
    """Someone else changed the object since the caller read it (409, names ``version``)."""

    code = "stale_version"

    def __init__(self, what: str, current: int | None):
        detail = f"The {what} was changed by someone else (now at version {current}); reload and retry."
        super().__init__(detail)
        self.fields = {"version": [detail]}
        self.current = current


class AgentInactive(Conflict):
    """A stopped or failed agent is not running: its key may read what it holds (its inbox, to drain it,
    its beliefs and goals) and ack or nack its deliveries, but not act (409)."""

    code = "agent_inactive"

    def __init__(self, agent_id: object, status: str, *, doing: str = "act", field: str = "status",
                 name: str = ""):
        who = agent_label(agent_id, name)
        detail = f"{who} is {status}: a stopped or failed agent cannot {doing}; restart it first."
        super().__init__(detail)
        self.fields = {field: [detail]}


class SenderInactive(AgentInactive):
    """The sending agent is stopped or failed: nobody may send as it, with its key or for it (409, names
    ``sender``). A paused agent still sends: pausing stops its reasoning, not its runtime's mail."""

    code = "sender_inactive"

    def __init__(self, agent_id: object, status: str, *, name: str = ""):
        super().__init__(agent_id, status, doing="send messages", field="sender", name=name)


class IntentionNotLive(Conflict):
    """The intention has already ended (achieved, failed or dropped): only a running or waiting one can be
    dropped (409, names ``status``)."""

    code = "intention_not_live"

    def __init__(self, intention_id: object, status: str):
        detail = (f"Intention {intention_id} is {status}: only a running or waiting intention can be dropped.")
        super().__init__(detail)
        self.fields = {"status": [detail]}
        self.status = status


def invalid(field: str, message: str) -> InvalidInput:
    """A 400 naming one field."""
    return InvalidInput(message, fields={field: [message]})


class ApprovalDecided(Conflict):
    """The approval request was already approved, rejected or expired: a decision is taken once (409)."""

    code = "approval_decided"

    def __init__(self, request_id: object, status: str):
        super().__init__(f"Approval request {request_id} is {status}: it can be decided only once.")


class ApprovalExpired(Conflict):
    """The approval request's deadline has passed: nobody may decide it any more (409)."""

    code = "approval_expired"

    def __init__(self, request_id: object, deadline: object):
        super().__init__(f"Approval request {request_id} expired at {deadline}: it can no longer be decided.")


class ApprovalClosed(Conflict):
    """The intention that asked no longer waits at the gate (dropped, or its agent's intention ended): a
    decision would change nothing, so none is taken (409)."""

    code = "approval_closed"

    def __init__(self, request_id: object):
        super().__init__(f"Approval request {request_id}: the intention that asked no longer waits for it.")


class NotASimulation(Conflict):
    """The organization is not a simulated business (no simulation marks it, or it is switched off): the
    simulation never touches it (409, names ``organization``)."""

    code = "not_a_simulation"

    def __init__(self, organization: object, *, disabled: bool = False):
        why = "its simulation is switched off" if disabled else "it is not marked as a simulation"
        detail = (f"Organization {organization} is not a simulated business ({why}): the simulation only ever "
                  "advances organizations marked as simulations.")
        super().__init__(detail)
        self.fields = {"organization": [detail]}
