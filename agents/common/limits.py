"""Sizes and shapes every layer quotes: the database constraints, the service checks, the API
serializers and the admin forms all use these numbers, so each is defined once, here."""

from __future__ import annotations

#: Lower-case words joined by single hyphens: safe in URLs, stable as identifiers.
SLUG_REGEX = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX = 64
#: A name: of an organization, role, agent, group or goal; a belief's source; a market or product.
NAME_MAX = 200
#: A short label: an industry, an API key's name.
LABEL_MAX = 100
#: A description: of an organization or a goal; a role's responsibilities.
TEXT_MAX = 5000
#: A note: a group's purpose, the error or nack reason kept with a delivery.
NOTE_MAX = 2000
#: A reason given for an action (a lifecycle change), or an excerpt of one in an audit event.
REASON_MAX = 500
#: A message's short texts (ontology, language, protocol, topic, reply_with).
SHORT_TEXT = 200

#: Largest JSON document (as text) in any JSON column: a belief value, a config, a profile.
JSON_MAX_CHARS = 32_768
#: Largest ``content`` of a message, as JSON text: the same bound as every other JSON column.
CONTENT_MAX_CHARS = JSON_MAX_CHARS
#: Largest ``args`` of an agent event, as JSON text: a belief event carries the new and the previous value
#: (each up to JSON_MAX_CHARS) and the key, so the bound is two values plus room for the key and the names.
EVENT_ARGS_MAX_CHARS = 2 * JSON_MAX_CHARS + 1024

#: Belief keys are dotted identifiers ("market.share", "cash:runway") so they fit in a URL.
BELIEF_KEY_MAX = 200
BELIEF_KEY_REGEX = rf"^[A-Za-z0-9_][A-Za-z0-9_.:-]{{0,{BELIEF_KEY_MAX - 1}}}$"

#: Expressions (plan contexts, constraints, conditions; agents/reasoning/expressions.py). Checked when a
#: plan is saved: the text's length, the depth and size of its syntax tree, the digits of a number in it.
EXPRESSION_MAX_CHARS = 2000
EXPRESSION_MAX_DEPTH = 50
EXPRESSION_MAX_NODES = 400
#: Checked while an expression runs: no integer (written or computed) past this many digits, so `9**9**9`
#: fails before it is computed; no text, list or object built past EXPRESSION_MAX_SIZE characters or
#: elements (counted through nesting), so `'a' * 10**10` fails before it allocates: a built value may
#: not be larger than a JSON column can hold.
EXPRESSION_MAX_INT_DIGITS = 100
EXPRESSION_MAX_SIZE = JSON_MAX_CHARS

#: Plans (agents/reasoning/plans/): a label names a plan in its scope and in the text form.
PLAN_LABEL_MAX = 100
PLAN_LABEL_REGEX = r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"
#: A bound name (a variable, Capitalized as in Jason): trigger arguments and the names steps bind.
PLAN_VARIABLE_REGEX = r"^[A-Z_][A-Za-z0-9_]{0,63}$"
#: Names a trigger binds from its event; arguments of a goal a step adopts.
PLAN_ARGS_MAX = 16
#: Steps of one plan, counting the steps inside ``if`` branches.
PLAN_STEPS_MAX = 200
#: ``if`` inside ``if``: deeper than this is a plan nobody can read.
PLAN_NESTING_MAX = 8
#: A plan's source order (Jason's order of plans in a file): 0 .. this.
PLAN_ORDER_MAX = 1_000_000
#: A text of plans (the API takes one plan per text, the admin several), and how many plans it may hold.
#: Parsing is linear, about 30 µs a character on the 2-core test machine: a full text parses in about a second.
PLAN_TEXT_MAX_CHARS = JSON_MAX_CHARS
PLANS_PER_TEXT_MAX = 50
#: Brackets of the text form nested deeper than this are refused before the text is parsed.
PLAN_TEXT_BRACKETS_MAX = 48
#: A plan's learning features (docs/reasoning.md, Plans: learning): at most this many, keys of this form.
PLAN_FEATURES_MAX = 8
PLAN_FEATURE_KEY_REGEX = r"^[a-z][a-z0-9_]{0,39}$"
#: A ``wait`` step's timeout, in seconds (30 days).
PLAN_WAIT_MAX_SECONDS = 30 * 24 * 3600

#: The cycle (agents/reasoning/cycle/): limits that turn a runaway plan into a failed intention, never a
#: stalled worker. Steps one intention takes in one cycle (Jason: one), frames on its stack, steps in its
#: whole life, and the size of its stored stack (bindings included), as JSON text.
CYCLE_STEPS_PER_INTENTION = 1
INTENTION_MAX_DEPTH = 100
INTENTION_MAX_STEPS = 10_000
INTENTION_STACK_MAX_CHARS = 8 * JSON_MAX_CHARS
#: A cycle's trace row, as JSON text per column: enough for 50 candidate plans with their contexts.
TRACE_MAX_CHARS = 4 * JSON_MAX_CHARS

#: Actions (agents/reasoning/actions/): an action's name (lower-case words joined by dots: crm.create_lead),
#: the idempotency key the cycle derives for a request, and an error's code and text kept on the request.
ACTION_NAME_MAX = SHORT_TEXT
ACTION_NAME_REGEX = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
ACTION_KEY_MAX = SHORT_TEXT
ACTION_ERROR_CODE_MAX = 64
ACTION_ERROR_MESSAGE_MAX = NOTE_MAX
#: An action's args and its result, as JSON text: what any JSON column holds. An ``action_result`` event
#: carries the result and little else, so it fits EVENT_ARGS_MAX_CHARS.
ACTION_ARGS_MAX_CHARS = JSON_MAX_CHARS
ACTION_RESULT_MAX_CHARS = JSON_MAX_CHARS

#: Approval gates (agents/reasoning/approvals/): what an ``ask_approval`` step asks (its question, computed
#: when the step runs), a person's comment on the decision, and the timeout a step gets when it names none.
APPROVAL_QUESTION_MAX = NOTE_MAX
APPROVAL_COMMENT_MAX = NOTE_MAX
APPROVAL_TIMEOUT_DEFAULT_SECONDS = 24 * 3600
