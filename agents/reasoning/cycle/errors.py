"""How a step fails: an error code and a message, the annotations of the ``-!g`` it raises (RUNTIME.md §3)."""

from __future__ import annotations


class StepFailed(Exception):
    """A step could not do what it says: its plan fails with ``error`` (a code) and ``message``.

    Codes the cycle uses: ``no_applicable`` (a subgoal no plan can pursue), ``no_belief`` (a test goal),
    ``constraint``, ``expression`` (a value could not be computed), ``bad_recipient``, ``bad_content``,
    ``max_depth``, ``max_steps``, ``stack_too_large``, ``wait_timeout``, ``action_failed``, ``internal``
    (a Python error in MABOS itself), and whatever a ``fail`` step names.
    """

    def __init__(self, error: str, message: str = "") -> None:
        super().__init__(f"{error}: {message}" if message else error)
        self.error = error
        self.message = message
