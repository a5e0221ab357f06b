"""Writes of beliefs and goals: one transaction each, audited inside it."""
