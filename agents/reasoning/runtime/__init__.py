"""The runtime row of each internal agent: when it is due for a cycle, and the cycle's bookkeeping."""
