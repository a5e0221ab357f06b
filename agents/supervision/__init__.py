"""Supervision: policies (OTP supervisor specs), heartbeats, failure signals, restarts with back-off, escalation.

models.py the tables; scope.py who supervises whom and where escalation goes; services/ the writes (policies,
heartbeats, the check and its signals, restarts, answers to escalations); selectors.py the reads that depend on
who asks (policies, events, an agent's health, the unhealthy ones); health.py each agent's health assembled
once, and the figures of /metrics; tables.py that health as admin HTML; metrics.py the counters the check
moves; api/ the HTTP door; admin.py policies and the event log in the admin; tasks.py the beat's door.
"""
