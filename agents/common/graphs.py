"""The one ancestor-cycle walk: supervisors, goal trees and role hierarchies are all child -> parent maps."""

from __future__ import annotations

from typing import Any


def _on_cycles(edges: dict[Any, Any]) -> list[Any]:
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
