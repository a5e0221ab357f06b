"""The rules of direction of one app split into concept packages (shared/LAYOUT.md), over an ImportGraph.

They take the app's layout and the allowed door imports as arguments: the real ones live in
tests/test_architecture.py, whose self-tests run the same checks on a synthetic tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.support.import_graph import Import, ImportGraph

#: Path segments that make a module a door: HTTP, admin screens, Celery tasks, management commands.
DOOR_SEGMENTS = frozenset({"api", "admin", "tasks", "management"})


def is_url_conf(module: str) -> bool:
    """``urls`` or ``<something>_urls``: Django reaches it by name (ROOT_URLCONF, ``include``)."""
    last = module.rpartition(".")[2]
    return last == "urls" or last.endswith("_urls")


def is_door(module: str) -> bool:
    """A way in from outside the code: a module with a door segment, or a URL conf."""
    return bool(DOOR_SEGMENTS.intersection(module.split("."))) or is_url_conf(module)


def door_root(module: str) -> str:
    """The door a module belongs to: its name up to the first door segment (``agents.keys.api``)."""
    parts = module.split(".")
    for position, part in enumerate(parts):
        if part in DOOR_SEGMENTS:
            return ".".join(parts[: position + 1])
    return module


@dataclass(frozen=True)
class Layout:
    """An app split into concept packages, in the order in which they may depend on one another.

    ``facades`` are the app-root modules Django and Celery find by name (``agents.models``,
    ``agents.admin``, ...). They gather every package, so they may import anything, and nothing in a
    concept package may import them: the facade imports the package back, a circle hidden from anyone
    who reads only the package.
    """

    app: str
    concepts: tuple[str, ...]
    facades: frozenset[str]

    def concept_of(self, module: str) -> str | None:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 and parts[0] == self.app and parts[1] in self.concepts else None

    def facade_of(self, module: str) -> str | None:
        """The facade ``module`` is, or lives in (``agents.models.agent`` while models/ is still a package)."""
        parts = module.split(".")
        return parts[1] if len(parts) > 1 and parts[0] == self.app and parts[1] in self.facades else None

    def is_facade(self, module: str) -> bool:
        """Exactly an app-root facade module (``agents.admin``), not a module inside an old layer package."""
        return module in {f"{self.app}.{facade}" for facade in self.facades}

    def is_domain(self, module: str) -> bool:
        """A module of a concept package that is no door: models, services, selectors, access, principal..."""
        return self.concept_of(module) is not None and not is_door(module)

    def in_app(self, module: str) -> bool:
        return module == self.app or module.startswith(f"{self.app}.")


@dataclass(frozen=True)
class Exemption:
    """A kind of door import that is allowed, and why (one line, shown by the test that lists them)."""

    why: str
    applies: Callable[[Layout, Import], bool]


@dataclass(frozen=True)
class Violation:
    rule: str
    edge: Import
    why: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.edge.where()}: {self.edge.importer} → {self.edge.target}: {self.why}"


def missing_concepts(root: Path, layout: Layout, required: Iterable[str]) -> list[str]:
    """The required concept packages that are no package (yet): the rules would pass vacuously without them."""
    return [concept for concept in required if not (root / layout.app / concept / "__init__.py").is_file()]


def stray_root_entries(root: Path, layout: Layout, allowed: Iterable[str]) -> list[str]:
    """Modules and packages in the app's root that are neither a facade, a concept package nor ``allowed``
    (``__init__.py``, ``migrations``, ...): a module left there would be outside every rule. Data files
    (a JSON fixture, templates) are no module and are left alone."""
    expected = {f"{facade}.py" for facade in layout.facades} | set(layout.concepts) | set(allowed)

    def is_code(entry: Path) -> bool:
        return entry.suffix == ".py" if entry.is_file() else any(entry.rglob("*.py"))

    return sorted(entry.name for entry in (root / layout.app).iterdir()
                  if entry.name not in expected and entry.name != "__pycache__" and is_code(entry))


def layout_violations(graph: ImportGraph, layout: Layout, exemptions: Iterable[Exemption]) -> list[Violation]:
    """Every import that breaks a rule of direction, over the whole graph.

    - ``facade``: a module of a concept package imports an app-root facade (or a module inside one);
    - ``order``: a domain module imports a concept package later in ``layout.concepts``;
    - ``door``: a domain module imports any door (in any scanned package: ``mabos.api`` too; never
      exempt), or any module imports a door of the app outside ``exemptions``. Doors of other apps are
      theirs to rule on; only the circle rule applies there.
    """
    exemptions = tuple(exemptions)
    order = {concept: position for position, concept in enumerate(layout.concepts)}
    violations: list[Violation] = []
    for edge in graph.imports:
        importer_concept = layout.concept_of(edge.importer)
        target_concept = layout.concept_of(edge.target)
        target_facade = layout.facade_of(edge.target)
        domain = layout.is_domain(edge.importer)
        if importer_concept and target_facade:
            violations.append(Violation("facade", edge, f"a concept package imports the facade "
                                        f"{layout.app}.{target_facade}, which imports the package back"))
        if domain and importer_concept and target_concept and order[target_concept] > order[importer_concept]:
            violations.append(Violation("order", edge, f"{importer_concept} may not import the later package "
                                        f"{target_concept} ({' → '.join(layout.concepts)})"))
        if not is_door(edge.target) or (target_facade and importer_concept):
            continue  # not a door, or a facade already reported above
        if domain:
            violations.append(Violation("door", edge, "a domain module imports a door"))
        elif layout.in_app(edge.target) and not any(exemption.applies(layout, edge) for exemption in exemptions):
            violations.append(Violation("door", edge, "nothing imports a door"))
    return violations
