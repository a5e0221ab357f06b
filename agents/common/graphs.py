"""The one ancestor walk: supervisor chains and goal trees are both child -> parent maps.

The services ask "would this new parent make a cycle?" (``ancestor_reaches``) before a
write; the integrity checks ask "which nodes sit on a cycle?" (``on_cycles``) after the fact.
"""

from __future__ import annotations

from typing import Any


def on_cycles(edges: dict[Any, Any]) -> list[Any]:
    """Nodes that sit on a cycle of a child -> parent map (each node has at most one parent)."""
    state: dict[Any, int] = {}  # 1: being walked, 2: done
    on_cycle: set[Any] = set()
    for start in edges:
        path: list[Any] = []
        node = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = edges.get(node)
        if node is not None and state.get(node) == 1:  # we came back into the current walk
            on_cycle.update(path[path.index(node):])
        for seen in path:
            state[seen] = 2
    return sorted(on_cycle, key=str)


def ancestor_reaches(edges: dict[Any, Any], start: Any, target: Any) -> bool:
    """Does walking up from ``start`` (``start``, its parent, its parent's parent, ...) reach ``target``?

    Setting ``target``'s parent to ``start`` would then close a cycle. A walk that
    comes back on itself (a cycle already stored) stops instead of looping.
    """
    node, seen = start, set()
    while node is not None and node not in seen:
        if node == target:
            return True
        seen.add(node)
        node = edges.get(node)
    return False
