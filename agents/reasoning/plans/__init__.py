"""Plans as data: what an agent does when an event arrives, versioned, written as JSON or as AgentSpeak-like text.

- models.py      Plan (the stable identity: scope, label, enabled) and PlanVersion (trigger, context, body ...)
- triggers.py    trigger kinds and what each binds from its event
- steps.py       the JSON schema of every step kind, and the walk over a body
- document.py    a plan document (the JSON the API stores): cleaned, its expressions compiled, its names checked
- references.py  what a plan may name in its scope: agents and roles to send to, beliefs its expressions read
- text/          the text form: the grammar (lark), text to JSON, JSON to text
- services.py, selectors.py, access.py, api/, admin.py, integrity.py: the usual shape
"""
