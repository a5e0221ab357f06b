"""Intentions: what an agent is doing, a stack of plan frames each with its program counter (RUNTIME.md §3)."""
