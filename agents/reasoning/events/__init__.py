"""The one queue an internal agent reasons over: its events (messages, goals, belief changes, results)."""
