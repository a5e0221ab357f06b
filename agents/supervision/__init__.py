"""Supervision (policies, heartbeats, restart strategies, escalation): empty until its issue."""
