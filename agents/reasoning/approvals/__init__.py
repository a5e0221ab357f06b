"""Human approval gates: the ``ask_approval`` step's requests, decided by people (docs/protocols.md).

- ``models``: ``ApprovalRequest``, the row the cycle inserts when a plan asks, and the decision on it.
- ``services/``: the cycle's insert (``approval_requests_insert``), a person's ``approval_decide``, the
  sweeper's ``approvals_expire``; ``access`` (who may decide) and ``selectors`` (who may see).
- doors: ``api/`` (approvals/), ``admin`` (approve / reject actions), ``tasks`` (the expiry beat task).

It lives in reasoning, not protocols: the gate is a step of the cycle and answers with a reasoning event,
and protocols come before reasoning in the import direction (LAYOUT.md).
"""
