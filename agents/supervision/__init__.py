"""Supervision: policies (OTP supervisor specs), heartbeats, failure signals, restarts with back-off, escalation.

models.py the tables; scope.py who supervises whom and where escalation goes; services/ the writes (policies,
heartbeats, the check and its signals, restarts, answers to escalations); tasks.py the beat's door; health.py
what operators read (an agent's health, the unhealthy ones, the figures of /metrics); tables.py that health as
admin HTML; metrics.py the counters the check moves; admin.py policies and the event log in the admin.
"""
