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

Every protocol, the cancel meta-protocol::

    each waiting state -> cancel (a person, for the initiator: ``services.run_cancel``) -> cancelled (terminal)
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
    CANCELLED = "cancelled"                  # cancelled by a person for its initiator (services.run_cancel)

    CHOICES = [(s, s.replace("_", " ")) for s in
               (AWAITING_RESPONSE, AWAITING_RESULT, DONE, REFUSED, FAILED, TIMEOUT, SUBSCRIBED, CANCELLED)]


WAITING = frozenset({RunState.AWAITING_RESPONSE, RunState.AWAITING_RESULT})
TERMINAL = frozenset({RunState.DONE, RunState.REFUSED, RunState.FAILED, RunState.TIMEOUT, RunState.CANCELLED})
#: Open states: the run lives on with no deadline because nobody waits on it (the initiator's intention resumed
#: at the agree); only a message of the participant (a failure, or its answer to a cancel) ends it.
OPEN = frozenset({RunState.SUBSCRIBED})

#: The protocols built, each with the acts that open it.
PROTOCOLS: dict[str, frozenset[str]] = {
    "fipa-request": frozenset({"request"}),
    "fipa-query": frozenset({"query-if", "query-ref"}),
    "fipa-subscribe": frozenset({"subscribe"}),
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
}
#: FIPA Subscribe: its run stays open after the agree (the initiator's step resumes there).
SUBSCRIBE = "fipa-subscribe"

#: A ``start_protocol`` step's default deadlines, in seconds: for the response, and for the result after an agree.
PROTOCOL_RESPONSE_TIMEOUT, PROTOCOL_RESULT_TIMEOUT = 30, 300

PARTICIPANT, DEADLINE, INITIATOR = "participant", "deadline", "initiator"
TIMEOUT_ACT, CANCEL_ACT = "timeout", "cancel"


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


#: (protocol, state, performative, role) -> the next state. The one table.
TRANSITIONS: dict[tuple[str, str, str, str], str] = {
    **_achieve_shape("fipa-request"),
    **_achieve_shape("fipa-query"),
    **_subscribe_shape(SUBSCRIBE),
}
# The cancel meta-protocol, for every protocol: whatever a run waits in, its initiator may cancel it.
TRANSITIONS.update({(protocol, state, CANCEL_ACT, INITIATOR): RunState.CANCELLED
                    for (protocol, state, _act, _role) in list(TRANSITIONS) if state in WAITING})


def next_state(protocol: str, state: str, performative: str, role: str) -> str | None:
    """The state ``performative`` from ``role`` moves a run to, or None when the table has no such move."""
    return TRANSITIONS.get((protocol, state, performative, role))


def allowed(protocol: str, state: str, role: str = PARTICIPANT) -> list[str]:
    """The performatives ``role`` may send in ``state`` (what a not-understood names)."""
    return sorted(p for (proto, st, p, r) in TRANSITIONS if proto == protocol and st == state and r == role)
