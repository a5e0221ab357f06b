"""Agent API keys: hashing, the lookup cache, DRF authentication as an agent, and the agent-key principal."""
