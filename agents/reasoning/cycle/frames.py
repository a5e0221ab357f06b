"""Program counters as the cycle moves them (reading them, for the API and the trace: intentions/frames.py).

A frame's ``pc`` is a path into the body: ``[2]`` is ``body[2]``, ``[2, "then", 0]`` the first step of that
``if``'s ``then`` branch. It is JSON (a list of ints and branch names), so it is stored with the frame and a
replayed cycle resumes exactly where the last commit left it. ``[len(body)]`` means the frame has finished.
"""

from __future__ import annotations

from typing import Any

from agents.reasoning.intentions.frames import pc_path

Pc = list[Any]


def block_of(body: list[dict[str, Any]], pc: Pc) -> list[dict[str, Any]]:
    """The list of steps the last index of ``pc`` points into."""
    block = body
    for position in range(0, len(pc) - 1, 2):
        block = block[pc[position]][pc[position + 1]]
    return block


def step_at(body: list[dict[str, Any]], pc: Pc) -> dict[str, Any] | None:
    """The step at ``pc``, or None when the frame has run past its last step."""
    block = block_of(body, pc)
    return block[pc[-1]] if pc[-1] < len(block) else None


def advance(body: list[dict[str, Any]], pc: Pc) -> Pc:
    """The pc after the step at ``pc``: the next step of the same list, or past the ``if`` that holds it."""
    pc = [*pc[:-1], pc[-1] + 1]
    while len(pc) > 1 and pc[-1] >= len(block_of(body, pc)):
        pc = [*pc[:-3], pc[-3] + 1]
    return pc


def enter(body: list[dict[str, Any]], pc: Pc, branch: str) -> Pc:
    """The pc of the first step of the ``branch`` ("then"/"else") of the ``if`` at ``pc``; past it if empty."""
    if block_of(body, pc)[pc[-1]].get(branch):
        return [*pc, branch, 0]
    return advance(body, pc)


def finished(body: list[dict[str, Any]], pc: Pc) -> bool:
    return len(pc) == 1 and pc[0] >= len(body)


def is_last(body: list[dict[str, Any]], pc: Pc) -> bool:
    """Whether the step at ``pc`` is the frame's last (a subgoal there is a tail call)."""
    return finished(body, advance(body, pc))


def path_text(pc: Pc) -> str:
    """``body[2].then[0]``: the path as the plan's errors, the trace and the API name it."""
    return pc_path(pc)
