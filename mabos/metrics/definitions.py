"""The metrics MABOS exports, defined once so every process increments the same series.

Code that observes an event imports the metric from here and moves it
(``MESSAGES_SENT.labels(performative="inform").inc()``). Nothing here reads
the database: gauges whose truth lives in the database (pending and dead
deliveries) are computed when ``/metrics`` is scraped.

Several gunicorn workers and Celery children each hold their own counters;
prometheus_client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) merges them
at scrape time, so every metric here must be multiprocess-safe: Gauges name
their ``multiprocess_mode``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

# --- HTTP ------------------------------------------------------------------------------
HTTP_REQUESTS = Counter("mabos_http_requests_total", "HTTP requests by route and status.",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("mabos_http_request_duration_seconds", "HTTP request latency by route.",
                         ["method", "route"], buckets=LATENCY_BUCKETS)

# --- messaging -----------------------------------------------------------------------------
MESSAGES_SENT = Counter("mabos_messages_sent_total", "Messages accepted (committed) by message_send.",
                        ["performative"])
DELIVERIES_FINISHED = Counter("mabos_deliveries_finished_total",
                              "Deliveries reaching a final status (acked, dead, expired).", ["status"])
DELIVERY_ATTEMPTS = Counter("mabos_delivery_attempts_total", "Delivery attempts by outcome.", ["outcome"])
SEND_TO_DELIVER = Histogram("mabos_send_to_deliver_seconds", "From send commit to delivered.",
                            buckets=LATENCY_BUCKETS)
SEND_TO_ACK = Histogram("mabos_send_to_ack_seconds", "From send commit to acked.", buckets=LATENCY_BUCKETS)

# --- supervision --------------------------------------------------------------------------
# Labels are bounded: an event kind, a strategy, where an escalation went (never an agent or organization id).
SUPERVISION_EVENTS = Counter("mabos_supervision_events_total", "Supervision events (signals and actions) by kind.",
                             ["kind"])
SUPERVISION_RESTARTS_SCHEDULED = Counter("mabos_supervision_restarts_scheduled_total",
                                         "Agents stopped for a restart, by the policy's strategy.", ["strategy"])
SUPERVISION_RESTARTS = Counter("mabos_supervision_restarts_total",
                               "Agents restarted after their back-off, by the policy's strategy.", ["strategy"])
SUPERVISION_ESCALATIONS = Counter("mabos_supervision_escalations_total",
                                  "Escalations, by where they went (an agent, or people).", ["to"])

# --- learning ----------------------------------------------------------------------------
# Labels are bounded: success or failure (never a plan, agent or organization id).
LEARNING_OUTCOMES = Counter("mabos_learning_outcomes_total", "Plan outcomes recorded by the cycle (committed).",
                            ["result"])
LEARNING_ROLLED = Counter("mabos_learning_rolled_outcomes_total", "Plan outcomes counted into statistics by the "
                                                                 "roll-up (committed).")

# --- workers -------------------------------------------------------------------------------
TASK_DURATION = Histogram("mabos_task_duration_seconds", "Celery task duration by task name.", ["task"],
                          buckets=LATENCY_BUCKETS)

# --- resilience -----------------------------------------------------------------------------
BREAKER_STATE = Gauge("mabos_circuit_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
                      ["breaker"], multiprocess_mode="mostrecent")
BREAKER_TRANSITIONS = Counter("mabos_circuit_breaker_transitions_total", "Circuit breaker state changes.",
                              ["breaker", "state"])

# --- security and audit ------------------------------------------------------------------------
LOGIN_FAILURES = Counter("mabos_login_failures_total", "Refused logins (admin and API).", ["channel"])
LOCKOUTS = Counter("mabos_lockouts_total", "Username+IP lockouts.", ["channel"])
AUDIT_CHAIN_OK = Gauge("mabos_audit_chain_ok", "Last audit chain verification: 1 intact, 0 broken.",
                       multiprocess_mode="mostrecent")
