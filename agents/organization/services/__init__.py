"""Writes of organizations and roles: keyword-only, one transaction each, the audit event inside it."""
