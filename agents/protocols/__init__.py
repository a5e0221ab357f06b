"""Interaction protocols (FIPA Request, Query, Subscribe, Contract-Net, the cancel meta-protocol) over messaging:
runs, the transition table, deadlines.

May import common, organization, agent and messaging; reasoning reaches in (the cycle checks messages against
runs, the ``start_protocol`` step opens them) and registers the sweeper's hooks (``hooks.py``).
"""
