"""The simulation's writes: marking an organization as a simulated business, and advancing its days."""
