"""The reasoning cycle: claim due agents, run one Jason cycle each, write everything back (RUNTIME.md §1, §3)."""
