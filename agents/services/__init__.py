"""Every write of the agents domain: keyword-only, atomic, audited in the same transaction.

Split by concept; import from the concept module (``agents.services.lifecycle`` ...).
"""
