"""Reading an intention's stack frames: where a frame's program counter points, in words and in its plan's body.

A frame's ``pc`` (the Intention docstring) is a path into its plan version's body: ``[2]`` is ``body[2]``,
``[2, "then", 0]`` the first step of that step's ``then`` branch. It names the step the frame runs next; a
path past the end of its list means the frame has run its last step there. Pure functions, no queries:
the trace's words, the API and the admin read frames the same way.
"""

from __future__ import annotations

from typing import Any


def pc_path(pc: Any) -> str:
    """``[2, "then", 0]`` as ``body[2].then[0]``, the way a plan's 400s name a step; whatever else as text."""
    if not isinstance(pc, list | tuple):
        return "" if pc is None else str(pc)
    text = "body"
    for part in pc:
        text += f"[{part}]" if isinstance(part, int) and not isinstance(part, bool) else f".{part}"
    return text


def step_at(body: Any, pc: Any) -> dict[str, Any] | None:
    """The step of ``body`` that ``pc`` names, or None when it names none (past the end, or a path the body
    does not have: a frame is read, never trusted)."""
    if not isinstance(pc, list | tuple) or not pc:
        return None
    steps: Any = body
    step: Any = None
    expect_index = True
    for part in pc:
        if expect_index:
            if not isinstance(steps, list) or not isinstance(part, int) or isinstance(part, bool) \
                    or not 0 <= part < len(steps):
                return None
            step = steps[part]
        else:
            if not isinstance(step, dict) or not isinstance(part, str):
                return None
            steps = step.get(part)
        expect_index = not expect_index
    return step if expect_index is False and isinstance(step, dict) else None
