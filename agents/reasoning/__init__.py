"""What an agent believes and wants (beliefs, goals), and soon how it acts on it (plans, intentions, the cycle)."""
