"""The built-in actions, registered when this package is imported (``actions_load`` does, in every process).

- ``log`` (log.py): a line in MABOS's log.
- ``notify`` (notify.py): a notification to the organization's people, recorded in the audit trail.
- ``http.post`` (webhook.py): JSON to an allow-listed URL.
- ``llm.chat`` (llm.py): an OpenAI-compatible chat completion, off unless configured.
"""

from agents.reasoning.actions.builtins import llm, log, notify, webhook

__all__ = ["llm", "log", "notify", "webhook"]
