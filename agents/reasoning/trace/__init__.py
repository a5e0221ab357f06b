"""The cycle's explanations: one ``CycleTrace`` row per cycle, kept for a retention period (RUNTIME.md §3)."""
