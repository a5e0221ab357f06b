"""The import graph of our own code, read from the source (the rules it must keep: layout_rules.py).

The graph is built from the AST, never by importing: an import inside a function only runs when the
function does, so a graph taken from ``sys.modules`` misses exactly the imports shared/LAYOUT.md calls
hidden circles. Every ``import`` and ``from ... import`` anywhere in a file counts (module level, inside
functions and methods, under ``if TYPE_CHECKING:``, in ``try`` blocks), and so does
``import_module("literal")``.

What an edge means:

- ``import a.b.c`` is an edge to ``a.b.c``; ``from a.b import c`` is an edge to ``a.b.c`` when that is a
  module of ours, else to ``a.b`` (a module, or a package's ``__init__``); relative imports are resolved
  against the importing module's package.
- Parent packages whose ``__init__`` Python runs on the way (``a`` and ``a.b`` for ``import a.b.c``) are
  not edges: every module of a package would otherwise "import" its own package's ``__init__``, and any
  ``__init__`` that re-exports would look like a circle with each of its children. An ``__init__``
  counts when it is named (``import a.b``, ``from a.b import name``).
- Imports of anything outside the scanned packages (Django, the standard library) are dropped.
- ``if TYPE_CHECKING:`` imports are kept, circles included, on purpose: the rule is about dependencies,
  not about what breaks at import time (a function-level import breaks nothing at import time either,
  and LAYOUT.md forbids circles through those). A type-only circle is still two modules that each need
  the other; the fix is the same (the shared type moves to the earlier package). They are marked in
  reports so that the reader knows which kind of import it is.
- An import of a module by itself (``from . import name`` in an ``__init__`` defining ``name``) is not
  a circle and is dropped.

The rules of direction over this graph are tests/support/layout_rules.py.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path


@dataclass(frozen=True)
class Module:
    """A module of ours: its dotted name and its file, relative to the scanned root."""

    name: str
    path: Path
    is_package: bool

    @property
    def package(self) -> str:
        """The package a relative import in this file is resolved against."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


@dataclass(frozen=True)
class Import:
    """One edge: ``importer`` needs ``target`` (both modules of ours), written at ``path:line``."""

    importer: str
    target: str
    path: Path
    line: int
    in_function: bool = False
    type_checking: bool = False
    dynamic: bool = False

    def where(self) -> str:
        kinds = [kind for kind, on in (("inside a function", self.in_function),
                                       ("under TYPE_CHECKING", self.type_checking),
                                       ("import_module", self.dynamic)) if on]
        return f"{self.path.as_posix()}:{self.line}" + (f" ({', '.join(kinds)})" if kinds else "")

    def __str__(self) -> str:
        return f"{self.importer} imports {self.target} at {self.where()}"


class ImportGraph:
    """Modules and the imports between them; several statements may give the same pair of modules."""

    def __init__(self, modules: dict[str, Module], imports: list[Import]) -> None:
        self.modules = modules
        self.imports = imports
        self._successors: dict[str, set[str]] = {name: set() for name in modules}
        for edge in imports:
            self._successors[edge.importer].add(edge.target)

    def successors(self, name: str) -> set[str]:
        return self._successors.get(name, set())

    def first_import(self, importer: str, target: str) -> Import:
        """The statement a report shows for a pair of modules: the first in the file."""
        return min((edge for edge in self.imports if edge.importer == importer and edge.target == target),
                   key=lambda edge: edge.line)

    def imports_of(self, importer: str) -> list[Import]:
        return [edge for edge in self.imports if edge.importer == importer]


def discover_modules(root: Path, packages: Iterable[str]) -> dict[str, Module]:
    """Every ``.py`` file under each top-level package of ``root``, by dotted name."""
    modules: dict[str, Module] = {}
    for package in packages:
        base = root / package
        if not (base / "__init__.py").is_file():
            raise FileNotFoundError(f"{base} is not a package (no __init__.py)")
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            relative = path.relative_to(root)
            parts = list(relative.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            name = ".".join(parts)
            modules[name] = Module(name=name, path=relative, is_package=is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _is_import_module_call(node: ast.Call) -> bool:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return (name in ("import_module", "__import__") and len(node.args) >= 1
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


@dataclass(frozen=True)
class _Statement:
    """An import statement before resolution, with where it sits."""

    node: ast.Import | ast.ImportFrom | ast.Call
    in_function: bool
    type_checking: bool


class _ImportCollector(ast.NodeVisitor):
    """Every import statement of a file, noting whether it is inside a function or a TYPE_CHECKING block."""

    def __init__(self) -> None:
        self.found: list[_Statement] = []
        self._functions = 0
        self._type_checking = 0

    def _record(self, node: ast.Import | ast.ImportFrom | ast.Call) -> None:
        self.found.append(_Statement(node, self._functions > 0, self._type_checking > 0))

    def visit_Import(self, node: ast.Import) -> None:
        self._record(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._record(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _is_import_module_call(node):
            self._record(node)
        self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function
    visit_Lambda = _visit_function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._type_checking += 1
        for statement in node.body:
            self.visit(statement)
        self._type_checking -= 1
        for statement in node.orelse:
            self.visit(statement)


def _nearest_module(name: str, modules: dict[str, Module]) -> str | None:
    """``name`` if it is a module of ours, else its longest prefix that is; None outside our code."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _targets(statement: _Statement, module: Module, modules: dict[str, Module]) -> Iterator[str]:
    node = statement.node
    if isinstance(node, ast.Import):
        for alias in node.names:
            target = _nearest_module(alias.name, modules)
            if target:
                yield target
        return
    if isinstance(node, ast.Call):
        argument = node.args[0]
        target = _nearest_module(argument.value, modules) if isinstance(argument, ast.Constant) else None
        if target:
            yield target
        return
    if node.level:
        package = module.package.split(".") if module.package else []
        up = node.level - 1
        if up > len(package):
            raise ValueError(f"{module.path}:{node.lineno}: relative import goes above the top package")
        base = ".".join(package[: len(package) - up] + (node.module.split(".") if node.module else []))
    else:
        base = node.module or ""
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        target = submodule if alias.name != "*" and submodule in modules else _nearest_module(base, modules)
        if target:
            yield target


def build_graph(root: Path, packages: Iterable[str]) -> ImportGraph:
    """Parse every module of ``packages`` under ``root`` and resolve its imports to modules of ours."""
    modules = discover_modules(root, packages)
    imports: dict[tuple[str, str, int], Import] = {}
    for module in modules.values():
        tree = ast.parse((root / module.path).read_text(encoding="utf-8"), filename=str(module.path))
        collector = _ImportCollector()
        collector.visit(tree)
        for statement in collector.found:
            for target in _targets(statement, module, modules):
                key = (module.name, target, statement.node.lineno)
                if target != module.name and key not in imports:  # `from a import b, c`: one edge to a
                    imports[key] = Import(importer=module.name, target=target, path=module.path,
                                          line=statement.node.lineno, in_function=statement.in_function,
                                          type_checking=statement.type_checking,
                                          dynamic=isinstance(statement.node, ast.Call))
    return ImportGraph(modules, list(imports.values()))


def strongly_connected(graph: ImportGraph, nodes: Iterable[str]) -> list[list[str]]:
    """Tarjan's components of the graph restricted to ``nodes`` (iterative: no recursion limit)."""
    allowed = set(nodes)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(allowed):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(sorted(graph.successors(start) & allowed))))
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.successors(successor) & allowed))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _shortest_cycle_through(graph: ImportGraph, start: str, component: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside one component (breadth first)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for successor in sorted(graph.successors(node) & component):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if successor not in seen:
                seen.add(successor)
                previous[successor] = node
                queue.append(successor)
    raise AssertionError(f"{start} is in a component but on no cycle")


def find_cycles(graph: ImportGraph, within: Callable[[str], bool] = lambda name: True) -> list[list[str]]:
    """Import circles among the modules ``within`` selects: for every module on a circle, the shortest
    circle through it, each circle once (``[a, b, c, a]``). One component can hold many circles; fixing
    the ones listed and running again shows the rest."""
    cycles: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for component in strongly_connected(graph, (name for name in graph.modules if within(name))):
        if len(component) < 2:
            continue
        members = set(component)
        for start in component:
            cycle = _shortest_cycle_through(graph, start, members)
            ring = cycle[:-1]
            smallest = ring.index(min(ring))
            key = tuple(ring[smallest:] + ring[:smallest])
            if key not in seen:
                seen.add(key)
                cycles.append([*key, key[0]])
    return cycles


def describe_cycle(graph: ImportGraph, cycle: list[str]) -> str:
    """``a → b → a`` and, under it, the statement that makes each hop."""
    hops = [graph.first_import(importer, target) for importer, target in pairwise(cycle)]
    return "\n".join([" → ".join(cycle), *(f"    {hop.where()}: {hop.importer} → {hop.target}" for hop in hops)])
