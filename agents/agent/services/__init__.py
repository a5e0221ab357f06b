"""Writes of agents, their lifecycle, groups and memberships: one transaction each, audited inside it."""
