"""Supervision: policies (OTP supervisor specs), heartbeats, failure signals, restarts with back-off, escalation.

models.py the tables; scope.py who supervises whom and where escalation goes; services/ the writes (policies,
heartbeats, the check and its signals, restarts, answers to escalations); selectors.py the reads that depend on
who asks (policies, events, an agent's health); api/ the HTTP door; tasks.py the beat's door.
"""
