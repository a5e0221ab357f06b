"""Supervision: policies (OTP supervisor specs), heartbeats, failure signals, restarts with back-off, escalation.

models.py the tables; scope.py who supervises whom and where escalation goes; services/ the writes (policies,
heartbeats, the check and its signals, restarts, answers to escalations); tasks.py the beat's door.
"""
