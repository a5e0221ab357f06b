"""Actions: the external effects of ``action`` steps, run at least once by an action worker (docs/actions.md).

- ``models``: ``ActionRequest``, the outbox row the cycle inserts and the worker runs.
- ``registry`` (+ ``schema``): ``@action(name, schema=...)``, ``ActionContext``, the errors an action raises,
  and the check of a plan's action steps when it is saved.
- ``services/``: the cycle's insert (``action_requests_insert``), the worker (``actions_run_due``), the
  sweeper (expired leases), the ``notify`` record.
- ``builtins/``: ``log``, ``notify``, ``http.post``, ``llm.chat``; ``transport`` and ``replies`` are how the
  last two call out (allow-list, timeouts, the per-host breaker) and read what comes back.
- ``policy`` (settings.ACTIONS, the back-off), ``wakeup``, ``selectors``; doors: ``tasks``, ``admin``.
"""
