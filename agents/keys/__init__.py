"""Agent API keys: hashing, the lookup cache, and DRF authentication as an agent.

The principal a key authenticates as is ``agents/agent/principal.py``.
"""
