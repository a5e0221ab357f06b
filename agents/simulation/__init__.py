"""The simulated business environment: organizations marked as simulations live through simulated days.

models.py the tables (Simulation, SimulationDay); environment.py the business's rules in pure Python (the hidden
parameters, one day, the outcome draw the learning bench shares); services/ the writes (marks.py: mark, switch,
unmark; days.py: advance a day, the beat's tick); selectors.py the reads (the dashboard's series); tasks.py the
beat's door. May import every package above it (it drives agents through reasoning's belief services).
"""
