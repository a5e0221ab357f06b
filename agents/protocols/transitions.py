"""The legal moves of every interaction protocol: one table, applied by ``services.run_apply`` and nowhere else.

A row of ``TRANSITIONS`` is ``(protocol, state, performative, role) -> next state``. ``role`` says who may
send it: the ``participant`` (the agent the run was opened with) or the ``deadline`` (the sweeper, when the
waiting phase's deadline passed: the pseudo-performative ``timeout``). Anything not in the table is refused
with a ``not-understood``: a performative not allowed now, a reply from an agent that is not a participant,
a reply after the run closed (a terminal state has no row).

FIPA Request (fipa00026) and FIPA Query (fipa00027) have the same shape; only the opening act differs::

    request | query-if | query-ref
      -> refuse                      -> refused   (terminal)
      -> not-understood              -> failed    (terminal; JADE's negative response; after an agree it is
                                                    out of sequence, as in JADE's AchieveRE session)
      -> agree                       -> awaiting_result (the result's own deadline starts)
           -> failure                -> failed    (terminal)
           -> inform (done / result) -> done      (terminal)
      -> failure                     -> failed    (an agree may be left out, as in JADE)
      -> inform                      -> done
    each waiting state -> timeout (its deadline passed) -> timeout (terminal)

FIPA Subscribe (fipa00035), the initiator's view::

    subscribe
      -> refuse | not-understood | failure -> refused | failed (terminal)
      -> agree                             -> subscribed (open: no deadline, nobody waits on it)
           -> inform (a change)            -> subscribed (every change of the subscribed belief, in order)
           -> failure                      -> failed (terminal; also the participant's answer to a cancel)
    awaiting_response -> timeout           -> timeout (terminal)


FIPA Contract-Net (fipa00029) has a session per participant: its participants' moves are
``SESSION_TRANSITIONS``; the run's own rows here are moved by its sessions (role ``sessions``: every one
answered, none proposed, every accepted one closed), by the initiator's decision (role ``initiator``) or a
deadline (``contract_net.py``). The cancel meta-protocol adds, for every waiting state of every protocol,
``cancel`` from the ``initiator`` -> cancelled (terminal; ``services.run_cancel``).
"""

from __future__ import annotations


class RunState:
    AWAITING_RESPONSE = "awaiting_response"  # the opening act is sent; agree / refuse (or the outcome) is due
    AWAITING_RESULT = "awaiting_result"      # agreed; failure / inform is due
    DONE = "done"
    REFUSED = "refused"
    FAILED = "failed"
    TIMEOUT = "timeout"
    SUBSCRIBED = "subscribed"                # FIPA Subscribe, agreed: informs come on every change, no deadline
    # Contract-Net (contract_net.py): a session that proposed, a run whose initiator decides, a proposal rejected.
    PROPOSED = "proposed"
    AWAITING_DECISION = "awaiting_decision"
    REJECTED = "rejected"
    CANCELLED = "cancelled"                  # the cancel meta-protocol (services.run_cancel)

    CHOICES = [(s, s.replace("_", " ")) for s in
               (AWAITING_RESPONSE, AWAITING_RESULT, DONE, REFUSED, FAILED, TIMEOUT, SUBSCRIBED,
                PROPOSED, AWAITING_DECISION, REJECTED, CANCELLED)]


WAITING = frozenset({RunState.AWAITING_RESPONSE, RunState.AWAITING_RESULT, RunState.AWAITING_DECISION})
TERMINAL = frozenset({RunState.DONE, RunState.REFUSED, RunState.FAILED, RunState.TIMEOUT, RunState.CANCELLED})
#: Open states: the run lives on with no deadline because nobody waits on it (the initiator's intention resumed
#: at the agree); only a message of the participant (a failure, or its answer to a cancel) ends it.
OPEN = frozenset({RunState.SUBSCRIBED})

#: The protocols built, each with the acts that open it.
PROTOCOLS: dict[str, frozenset[str]] = {
    "fipa-request": frozenset({"request"}),
    "fipa-query": frozenset({"query-if", "query-ref"}),
    "fipa-subscribe": frozenset({"subscribe"}),
    "fipa-contract-net": frozenset({"cfp"}),
}
#: The API's enums of protocols and run states (config ENUM_NAME_OVERRIDES: ``ProtocolEnum``, ``RunStateEnum``).
PROTOCOL_CHOICES = [(p, p) for p in sorted(PROTOCOLS)]
STATE_CHOICES = RunState.CHOICES
#: The opening act a ``start_protocol`` step names -> (protocol, performative).
OPENINGS: dict[str, tuple[str, str]] = {
    "request": ("fipa-request", "request"),
    "query-if": ("fipa-query", "query-if"),
    "query-ref": ("fipa-query", "query-ref"),
    "subscribe": ("fipa-subscribe", "subscribe"),
    "cfp": ("fipa-contract-net", "cfp"),
}
#: FIPA Subscribe: its run stays open after the agree (the initiator's step resumes there).
SUBSCRIBE = "fipa-subscribe"
#: The ``start_protocol`` step's ``protocol`` that is no opening: the initiator's decision in a Contract-Net run.
ACCEPT_PROPOSAL = "accept-proposal"
CONTRACT_NET = "fipa-contract-net"

#: A ``start_protocol`` step's default deadlines, in seconds: for the response, and for the result after an agree.
PROTOCOL_RESPONSE_TIMEOUT, PROTOCOL_RESULT_TIMEOUT = 30, 300

PARTICIPANT, DEADLINE = "participant", "deadline"
#: Contract-Net: the initiator's own acts (accept-proposal, reject-proposal), and the run's moves its sessions
#: decide (every session answered: ``all_responses``; none proposed: ``no_proposals``; every accepted one closed).
INITIATOR, SESSIONS = "initiator", "sessions"
TIMEOUT_ACT = "timeout"
CANCEL_ACT = "cancel"


def _achieve_shape(protocol: str) -> dict[tuple[str, str, str, str], str]:
    response, result = RunState.AWAITING_RESPONSE, RunState.AWAITING_RESULT
    return {
        (protocol, response, "refuse", PARTICIPANT): RunState.REFUSED,
        (protocol, response, "agree", PARTICIPANT): result,
        (protocol, response, "failure", PARTICIPANT): RunState.FAILED,
        (protocol, response, "inform", PARTICIPANT): RunState.DONE,
        (protocol, response, "not-understood", PARTICIPANT): RunState.FAILED,  # JADE: handleNotUnderstood ends it
        (protocol, response, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,
        (protocol, result, "failure", PARTICIPANT): RunState.FAILED,
        (protocol, result, "inform", PARTICIPANT): RunState.DONE,
        (protocol, result, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,
    }


def _subscribe_shape(protocol: str) -> dict[tuple[str, str, str, str], str]:
    response, subscribed = RunState.AWAITING_RESPONSE, RunState.SUBSCRIBED
    return {
        (protocol, response, "refuse", PARTICIPANT): RunState.REFUSED,
        (protocol, response, "agree", PARTICIPANT): subscribed,
        (protocol, response, "failure", PARTICIPANT): RunState.FAILED,
        (protocol, response, "not-understood", PARTICIPANT): RunState.FAILED,
        (protocol, response, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,
        (protocol, subscribed, "inform", PARTICIPANT): subscribed,
        (protocol, subscribed, "failure", PARTICIPANT): RunState.FAILED,
    }


def _contract_net_run() -> dict[tuple[str, str, str, str], str]:
    """FIPA Contract-Net (fipa00029), the run: collecting proposals -> the initiator decides -> results."""
    response, decision, result = RunState.AWAITING_RESPONSE, RunState.AWAITING_DECISION, RunState.AWAITING_RESULT
    return {
        (CONTRACT_NET, response, "all_responses", SESSIONS): decision,   # every participant answered
        (CONTRACT_NET, response, TIMEOUT_ACT, DEADLINE): decision,       # reply-by passed: the call is closed
        (CONTRACT_NET, decision, "no_proposals", SESSIONS): RunState.FAILED,
        (CONTRACT_NET, decision, ACCEPT_PROPOSAL, INITIATOR): result,    # the plan accepted one or more
        (CONTRACT_NET, decision, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,  # no decision in time
        (CONTRACT_NET, result, "all_results", SESSIONS): RunState.DONE,  # every accepted one closed, one informed
        (CONTRACT_NET, result, "all_failed", SESSIONS): RunState.FAILED,
        (CONTRACT_NET, result, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,
    }


def _contract_net_sessions() -> dict[tuple[str, str, str, str], str]:
    response, result = RunState.AWAITING_RESPONSE, RunState.AWAITING_RESULT
    return {
        (CONTRACT_NET, response, "propose", PARTICIPANT): RunState.PROPOSED,
        (CONTRACT_NET, response, "refuse", PARTICIPANT): RunState.REFUSED,
        (CONTRACT_NET, response, "not-understood", PARTICIPANT): RunState.FAILED,
        (CONTRACT_NET, response, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,
        (CONTRACT_NET, RunState.PROPOSED, ACCEPT_PROPOSAL, INITIATOR): result,
        (CONTRACT_NET, RunState.PROPOSED, "reject-proposal", INITIATOR): RunState.REJECTED,
        (CONTRACT_NET, RunState.PROPOSED, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,
        (CONTRACT_NET, result, "inform", PARTICIPANT): RunState.DONE,
        (CONTRACT_NET, result, "failure", PARTICIPANT): RunState.FAILED,
        (CONTRACT_NET, result, TIMEOUT_ACT, DEADLINE): RunState.TIMEOUT,
    }


#: (protocol, state, performative, role) -> the next state. The one table.
TRANSITIONS: dict[tuple[str, str, str, str], str] = {
    **_achieve_shape("fipa-request"),
    **_achieve_shape("fipa-query"),
    **_subscribe_shape(SUBSCRIBE),
    **_contract_net_run(),
}
# The cancel meta-protocol (FIPA's cancel, for every protocol): the initiator may call off any run that is not
# closed (waiting, or a subscription that is open).
TRANSITIONS.update({(protocol, state, CANCEL_ACT, INITIATOR): RunState.CANCELLED
                    for (protocol, state, _act, _role) in list(TRANSITIONS)})

#: Contract-Net's per-participant moves: (protocol, session state, performative, role) -> the session's next state.
#: A run's state follows from its sessions' (``agents.protocols.contract_net``).
SESSION_TRANSITIONS: dict[tuple[str, str, str, str], str] = _contract_net_sessions()
SESSION_TRANSITIONS.update({(protocol, state, CANCEL_ACT, INITIATOR): RunState.CANCELLED
                            for (protocol, state, _act, _role) in list(SESSION_TRANSITIONS)})


def next_state(protocol: str, state: str, performative: str, role: str) -> str | None:
    """The state ``performative`` from ``role`` moves a run to, or None when the table has no such move."""
    return TRANSITIONS.get((protocol, state, performative, role))


def allowed(protocol: str, state: str, role: str = PARTICIPANT) -> list[str]:
    """The performatives ``role`` may send in ``state`` (what a not-understood names). For Contract-Net, whose
    participants move their sessions, those of a session in the state of the same name (a run awaiting
    responses takes propose / refuse, one awaiting results inform / failure, one awaiting the decision none)."""
    rows = [*TRANSITIONS, *SESSION_TRANSITIONS]
    return sorted({p for (proto, st, p, r) in rows if proto == protocol and st == state and r == role})
