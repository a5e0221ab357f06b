"""The layout of the tests themselves (issue 12, part 7), checked from the AST and the tree, never by importing.

1. ``imports``: no module under tests/ imports a test module (``test_*.py``, ``*_test.py``) or a
   ``conftest.py``. What two test modules share is a helper in tests/support/, or a fixture in the
   conftest.py of their nearest common folder (pytest finds fixtures there by itself). Every other import of
   ``tests.…`` names tests.support, a test app (a folder with an ``apps.py``: tests.objperm) or a test URL
   conf, so no helper lives between the tests where only its neighbours would find it. (A URL conf such as
   tests/auditlog/urls.py is named by string in ``pytest.mark.urls`` or ``ROOT_URLCONF``, not imported.)
2. ``mirror``: each folder tests/agents/<x>/ names a package that exists in agents/ (``agents/<x>/__init__.py``),
   so the tests of a concept sit where its code does.
3. ``packages``: every folder under tests/ that holds Python files has an ``__init__.py``. Test modules are
   then imported by their dotted path (``tests.agents.agent.test_constraints``), which is what lets two of
   them share a basename under the default ``prepend`` import mode.
4. ``cross-cutting``: a test module directly in tests/agents/ belongs to no single package, so its docstring
   says why it is cross-cutting (the word is looked for).

The checkers are proven to fail: the ``test_checker_*`` tests build small trees in ``tmp_path`` that break
each rule, next to a clean part that breaks none.
"""

from __future__ import annotations

import ast
from pathlib import Path
from textwrap import dedent

from tests.support.import_graph import build_graph
from tests.support.processes import REPO


def _is_test_module(name: str) -> bool:
    """A module pytest collects (its default ``python_files``), or a conftest."""
    basename = name.rpartition(".")[2]
    return basename.startswith("test_") or basename.endswith("_test") or basename == "conftest"


def _test_apps(root: Path) -> set[str]:
    return {".".join(path.parent.relative_to(root).parts) for path in (root / "tests").rglob("apps.py")
            if "__pycache__" not in path.parts}


def import_violations(root: Path) -> list[str]:
    """Imports under ``root``/tests of a test module or a conftest, or of anything but support, test apps and URL confs."""
    graph = build_graph(root, ["tests"])
    allowed = {"tests.support", *_test_apps(root)}
    found = []
    for edge in sorted(graph.imports, key=lambda edge: (edge.path.as_posix(), edge.line)):
        target = edge.target
        if _is_test_module(target):
            found.append(f"{edge}: a test module or conftest is imported; share a helper in tests/support instead")
        elif not (any(target == name or target.startswith(f"{name}.") for name in allowed)
                  or target.rpartition(".")[2] == "urls"):
            found.append(f"{edge}: {target} is neither tests.support nor a test app; move the helper to tests/support")
    return found


def mirror_violations(root: Path) -> list[str]:
    """Folders tests/agents/<x>/ for which agents/<x>/ is no package."""
    tests_agents = root / "tests" / "agents"
    return [f"tests/agents/{folder.name}/ names no package of agents/ (agents/{folder.name}/__init__.py is missing)"
            for folder in sorted(tests_agents.iterdir())
            if folder.is_dir() and folder.name != "__pycache__"
            and not (root / "agents" / folder.name / "__init__.py").is_file()]


def package_violations(root: Path) -> list[str]:
    """Folders under ``root``/tests holding Python files but no ``__init__.py``."""
    folders = {path.parent for path in (root / "tests").rglob("*.py") if "__pycache__" not in path.parts}
    return [f"{folder.relative_to(root).as_posix()}/ has Python files but no __init__.py"
            for folder in sorted(folders) if not (folder / "__init__.py").is_file()]


def cross_cutting_violations(root: Path) -> list[str]:
    """Test modules directly in tests/agents/ whose docstring does not say why they are cross-cutting."""
    found = []
    for path in sorted((root / "tests" / "agents").glob("*.py")):
        if not _is_test_module(path.stem) or path.stem == "conftest":
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if "cross-cutting" not in docstring.lower():
            found.append(f"{path.relative_to(root).as_posix()}: in tests/agents/ itself, but its docstring does not "
                         "say why it is cross-cutting; move it to the folder of the package it tests")
    return found


# --- the real tree -----------------------------------------------------------------------------------------

def test_no_module_under_tests_imports_a_test_module_a_conftest_or_a_stray_helper():
    assert build_graph(REPO, ["tests"]).imports, "no imports found under tests/: the checker sees nothing"
    assert import_violations(REPO) == []


def test_every_folder_of_tests_agents_names_a_package_of_agents():
    folders = [path for path in (REPO / "tests" / "agents").iterdir() if path.is_dir() and path.name != "__pycache__"]
    assert folders, "tests/agents/ has no package folders: the rule would pass on nothing"
    assert mirror_violations(REPO) == []


def test_every_folder_of_tests_is_a_package():
    assert package_violations(REPO) == []


def test_a_test_module_in_tests_agents_itself_says_why_it_is_cross_cutting():
    assert cross_cutting_violations(REPO) == []


# --- the checkers fail when they should ----------------------------------------------------------------------

def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return root


def test_checker_imports(tmp_path):
    root = _tree(tmp_path, {
        "tests/__init__.py": "",
        "tests/support/__init__.py": "",
        "tests/support/api.py": "from tests.support import polling\n",
        "tests/support/polling.py": "",
        "tests/widgets/__init__.py": "",
        "tests/widgets/apps.py": "",
        "tests/widgets/models.py": "",
        "tests/area/__init__.py": "",
        "tests/area/urls.py": "",
        "tests/area/conftest.py": "from tests.support.api import client\n",
        "tests/area/helpers.py": "",
        "tests/area/test_clean.py": """\
            from tests.support.api import client
            from tests.widgets.models import Widget
            from tests.area import urls
            """,
        "tests/area/test_other.py": "",
        "tests/area/test_from_module.py": "from tests.area.test_other import helper\n",
        "tests/area/test_module_itself.py": "from tests.area import test_other\n",
        "tests/area/test_conftest.py": "def f():\n    from tests.area.conftest import SYSTEM\n",
        "tests/area/test_stray.py": "import tests.area.helpers\n",
        "tests/support/uses_a_test.py": "from tests.area.test_other import thing\n",
    })
    found = "\n".join(import_violations(root))
    for importer in ("test_from_module", "test_module_itself", "test_conftest", "test_stray", "uses_a_test"):
        assert importer in found, (importer, found)
    for clean in ("test_clean", "tests.support.api imports", "tests.area.conftest imports"):
        assert clean not in found, (clean, found)
    assert len(import_violations(root)) == 5


def test_checker_mirror(tmp_path):
    root = _tree(tmp_path, {"agents/__init__.py": "", "agents/keys/__init__.py": "", "agents/empty/x.txt": "",
                            "tests/agents/__init__.py": "", "tests/agents/keys/__init__.py": "",
                            "tests/agents/api/__init__.py": "", "tests/agents/empty/__init__.py": ""})
    assert mirror_violations(root) == [
        "tests/agents/api/ names no package of agents/ (agents/api/__init__.py is missing)",
        "tests/agents/empty/ names no package of agents/ (agents/empty/__init__.py is missing)"]


def test_checker_packages(tmp_path):
    root = _tree(tmp_path, {"tests/__init__.py": "", "tests/area/__init__.py": "", "tests/area/test_a.py": "",
                            "tests/area/deeper/test_a.py": "", "tests/area/data/notes.txt": ""})
    assert package_violations(root) == ["tests/area/deeper/ has Python files but no __init__.py"]


def test_checker_cross_cutting(tmp_path):
    root = _tree(tmp_path, {
        "tests/agents/__init__.py": "",
        "tests/agents/conftest.py": "",
        "tests/agents/test_said.py": '"""Every door at once: cross-cutting, so it sits here."""\n',
        "tests/agents/test_silent.py": '"""Beliefs and goals."""\n',
        "tests/agents/test_bare.py": "",
        "tests/agents/keys/test_deeper.py": '"""Keys."""\n',
    })
    found = cross_cutting_violations(root)
    assert [line.partition(":")[0] for line in found] == ["tests/agents/test_bare.py", "tests/agents/test_silent.py"]
