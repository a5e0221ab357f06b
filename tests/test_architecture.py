"""The rules of direction of ``shared/LAYOUT.md`` (issue 12), checked on the import graph read from the AST.

1. No import circles in agents, accounts, auditlog, mabos or config, counting imports inside functions
   and under ``if TYPE_CHECKING:`` (tests/support/import_graph.py says why those count too).
2. In agents, which is split into concept packages:
   - ``facade``: nothing in a concept package imports an app-root facade (``agents.models``,
     ``agents.admin``, ``agents.tasks``, ``agents.integrity``, ``agents.urls``, ``agents.apps``): the
     facade imports every package, so that import is a circle through the facade;
   - ``order``: a domain module (models, services, selectors, access, and every other module that is no
     door: principal.py, cache.py, limits.py, ...) imports only its own package, ``common`` and packages
     earlier in ``CONCEPTS``;
   - ``door``: a domain module imports no door at all (``api/``, ``admin``, ``tasks``, ``management``,
     URL confs, in any of our packages), and no module imports a door of agents except as
     ``EXEMPTIONS`` lists, each with why.
3. The rules cannot pass by having nothing to check: the concept packages must exist, and agents' root
   holds only the facades, the concept packages and what Django needs there.

The checker is proven to fail: the ``test_checker_*`` tests build small trees in ``tmp_path`` that break
each rule, and one clean tree that breaks none.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from tests.support.import_graph import ImportGraph, build_graph, describe_cycle, find_cycles
from tests.support.layout_rules import (
    Exemption,
    Layout,
    door_root,
    is_door,
    is_url_conf,
    layout_violations,
    missing_concepts,
    stray_root_entries,
)
from tests.support.processes import REPO

PACKAGES = ("agents", "accounts", "auditlog", "mabos", "config")
CONCEPTS = ("common", "organization", "agent", "keys", "messaging", "protocols", "reasoning", "supervision",
            "learning", "onboarding", "simulation")
#: Packages that hold code today (beliefs and goals are reasoning; onboarding exists): the move must make
#: them. protocols, supervision and learning are checked once they exist.
REQUIRED_CONCEPTS = ("common", "organization", "agent", "keys", "messaging", "reasoning", "onboarding")
AGENTS = Layout(app="agents", concepts=CONCEPTS,
                facades=frozenset({"apps", "models", "admin", "tasks", "integrity", "urls"}))
#: What else agents' root may hold: the package itself and the folders Django finds by name.
ROOT_ALLOWED = ("__init__.py", "management", "migrations", "templates")


def _within_one_door(layout: Layout, edge) -> bool:
    return is_door(edge.importer) and door_root(edge.importer) == door_root(edge.target)


def _toolkit_for_doors(layout: Layout, edge) -> bool:
    """A door importing a door of ``common`` (its api/ and admin helpers) or the agent-key authentication."""
    target = edge.target
    return is_door(edge.importer) and (
        (layout.concept_of(target) == "common" and is_door(target))
        or target == f"{layout.app}.keys.api.authentication")


#: The door imports that are allowed. Each is narrow; anything else that imports a door is a finding.
EXEMPTIONS = (
    Exemption("a door's own internals: api/views.py imports api/serializers.py of the same api/ package",
              _within_one_door),
    Exemption("the app-root facades gather every package's doors, which is what Django and Celery find them for",
              lambda layout, edge: layout.is_facade(edge.importer)),
    Exemption("a URL conf routes to views and includes URL confs: that is its whole job",
              lambda layout, edge: is_url_conf(edge.importer)
              and (is_url_conf(edge.target) or door_root(edge.target).endswith(".api"))),
    Exemption("doors build on common's api/ and admin helpers (LAYOUT.md: common/ holds the API base classes) and "
              "name keys' DRF authentication (keys/api/authentication.py) in authentication_classes",
              _toolkit_for_doors),
)


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return build_graph(REPO, PACKAGES)


# -- Our tree --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circles(graph, package):
    cycles = [cycle for cycle in find_cycles(graph) if any(name.split(".")[0] == package for name in cycle)]
    if cycles:
        pytest.fail(f"{len(cycles)} import circle(s) through {package} (each hop names the import that makes it; "
                    "move the shared part to the earlier module, or hand work on through a registration hook):\n"
                    + "\n".join(describe_cycle(graph, cycle) for cycle in cycles), pytrace=False)


def test_agents_concept_packages_exist():
    missing = missing_concepts(REPO, AGENTS, REQUIRED_CONCEPTS)
    if missing:
        pytest.fail(f"agents/ has no package {', '.join(missing)}: the rules of direction would pass with nothing "
                    "to check", pytrace=False)


def test_agents_root_holds_only_facades_and_concept_packages():
    stray = stray_root_entries(REPO, AGENTS, ROOT_ALLOWED)
    if stray:
        facades = ", ".join(sorted(f"{facade}.py" for facade in AGENTS.facades))
        pytest.fail(f"agents/ holds more than its facades ({facades}), concept packages and {', '.join(ROOT_ALLOWED)}; "
                    f"a module left at the root is outside every rule of direction: {', '.join(stray)}", pytrace=False)


@pytest.mark.parametrize("rule", ["facade", "order", "door"])
def test_agents_rules_of_direction(graph, rule):
    found = [violation for violation in layout_violations(graph, AGENTS, EXEMPTIONS) if violation.rule == rule]
    if found:
        pytest.fail(f"{len(found)} import(s) break the '{rule}' rule:\n" + "\n".join(f"  {v}" for v in found),
                    pytrace=False)


# -- The checker, on synthetic trees ---------------------------------------------------------------------

def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` under ``root``, with an empty ``__init__.py`` in every folder that has none."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    for folder in [path for path in root.rglob("*") if path.is_dir()]:
        (folder / "__init__.py").touch()
    return root


def violations_in(root: Path) -> list[str]:
    return sorted(str(violation) for violation in layout_violations(build_graph(root, ["agents"]), AGENTS,
                                                                     EXEMPTIONS))


#: A tree that keeps every rule while doing each thing the rules allow.
CLEAN = {
    "agents/models.py": "from agents.messaging.models import Message\nfrom agents.agent.models import Agent\n",
    "agents/admin.py": "from agents.messaging import admin\nimport agents.agent.admin\n",
    "agents/tasks.py": "from agents.messaging.tasks import deliver_due\n",
    "agents/urls.py": "from django.urls import include, path\nfrom agents.messaging.api import urls\n",
    "agents/apps.py": "def ready():\n    from agents.keys.api import schema\n",
    "agents/common/api/base.py": "from rest_framework.views import APIView\n",
    "agents/common/errors.py": "class NotFound(Exception): ...\n",
    "agents/agent/models.py": "from agents.common.errors import NotFound\n",
    "agents/agent/admin.py": "from agents.agent.services import agent_pause\nfrom agents.common.admin import run_service\n",
    "agents/common/admin.py": "def run_service(form, call): ...\n",
    "agents/messaging/admin.py": "from agents.messaging.services.send import message_send\n",
    "agents/agent/services.py": "from .models import Agent\n",
    "agents/keys/api/schema.py": "",
    "agents/keys/api/authentication.py": "from agents.keys.models import AgentApiKey\n",
    "agents/reasoning/api/views.py": "from agents.keys.api.authentication import AgentKeyAuthentication\n",
    "agents/messaging/models.py": """\
        from typing import TYPE_CHECKING
        from agents.agent.models import Agent
        if TYPE_CHECKING:
            from agents.keys.models import AgentApiKey
        """,
    "agents/keys/models.py": "",
    "agents/messaging/services/send.py": """\
        from ..models import Message
        from . import delivery

        def message_send():
            from agents.agent.services import agent_pause
        """,
    "agents/messaging/services/delivery.py": "from agents.messaging.models import Message\n",
    "agents/messaging/api/serializers.py": "from agents.messaging.models import Message\n",
    "agents/messaging/api/views.py": """\
        from agents.common.api.base import APIView
        from agents.messaging.api.serializers import MessageSerializer
        from agents.messaging.services.send import message_send
        from agents.reasoning.selectors import beliefs_of
        from mabos.api.pagination import Page
        """,
    "agents/messaging/api/urls.py": "from agents.messaging.api import views\n",
    "agents/messaging/tasks.py": "from agents.messaging.services import delivery\n",
    "agents/reasoning/selectors.py": "from agents.messaging.models import Message\n",
    "agents/management/commands/seed.py": "from agents.onboarding.services import onboard\n",
    "agents/onboarding/services.py": "from agents.reasoning.selectors import beliefs_of\n",
}


def test_checker_passes_a_clean_tree(tmp_path):
    root = write_tree(tmp_path, CLEAN)
    graph = build_graph(root, ["agents"])
    assert find_cycles(graph) == []
    assert violations_in(root) == []
    assert missing_concepts(root, AGENTS, ["common", "agent", "messaging"]) == []
    assert stray_root_entries(root, AGENTS, ROOT_ALLOWED) == []


def test_checker_resolves_relative_submodule_and_type_checking_imports(tmp_path):
    graph = build_graph(write_tree(tmp_path, CLEAN), ["agents"])
    assert graph.successors("agents.messaging.services.send") == {
        "agents.messaging.models", "agents.messaging.services.delivery", "agents.agent.services"}
    assert graph.successors("agents.admin") == {"agents.messaging.admin", "agents.agent.admin"}
    assert graph.successors("agents.urls") == {"agents.messaging.api.urls"}
    [type_only] = [edge for edge in graph.imports_of("agents.messaging.models") if edge.type_checking]
    assert type_only.target == "agents.keys.models" and type_only.line == 4
    [hidden] = graph.imports_of("agents.apps")
    assert hidden.in_function and "inside a function" in hidden.where()


def test_checker_finds_a_circle_through_a_function_level_import(tmp_path):
    root = write_tree(tmp_path, {**CLEAN, "agents/messaging/services/delivery.py": """\
        from agents.messaging.models import Message

        def wake():
            from agents.messaging.services.send import message_send
        """})
    graph = build_graph(root, ["agents"])
    [cycle] = find_cycles(graph)
    assert cycle == ["agents.messaging.services.delivery", "agents.messaging.services.send",
                     "agents.messaging.services.delivery"]
    text = describe_cycle(graph, cycle)
    assert text.splitlines()[0] == ("agents.messaging.services.delivery → agents.messaging.services.send → "
                                    "agents.messaging.services.delivery")
    assert "agents/messaging/services/delivery.py:4 (inside a function)" in text


def test_checker_finds_a_circle_through_a_package_init_and_a_type_checking_import(tmp_path):
    root = write_tree(tmp_path, {
        "agents/__init__.py": "",
        "agents/keys/__init__.py": "from agents.keys.cache import key_cache\n",
        "agents/keys/cache.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from agents import keys\n",
    })
    graph = build_graph(root, ["agents"])
    assert find_cycles(graph) == [["agents.keys", "agents.keys.cache", "agents.keys"]]
    assert "(under TYPE_CHECKING)" in describe_cycle(graph, find_cycles(graph)[0])


def test_checker_finds_an_import_of_a_later_package_from_a_domain_module(tmp_path):
    root = write_tree(tmp_path, {**CLEAN, "agents/agent/services.py": """\
        from .models import Agent

        def agent_pause():
            from agents.messaging.services.send import message_send
        """})
    assert violations_in(root) == [
        "[order] agents/agent/services.py:4 (inside a function): agents.agent.services → "
        "agents.messaging.services.send: agent may not import the later package messaging "
        f"({' → '.join(CONCEPTS)})"]


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("agents/messaging/services/delivery.py", "def wake():\n    from agents.tasks import deliver_due\n",
     "[facade] agents/messaging/services/delivery.py:2 (inside a function): agents.messaging.services.delivery → "
     "agents.tasks: a concept package imports the facade agents.tasks, which imports the package back"),
    ("agents/messaging/api/views.py", "from agents.models import Message\n",
     "[facade] agents/messaging/api/views.py:1: agents.messaging.api.views → agents.models: a concept package "
     "imports the facade agents.models, which imports the package back"),
    ("agents/messaging/services/delivery.py", "from agents.messaging.tasks import deliver_due\n",
     "[door] agents/messaging/services/delivery.py:1: agents.messaging.services.delivery → "
     "agents.messaging.tasks: a domain module imports a door"),
    ("agents/reasoning/selectors.py", "from agents.keys.api.schema import scheme\n",
     "[door] agents/reasoning/selectors.py:1: agents.reasoning.selectors → agents.keys.api.schema: "
     "a domain module imports a door"),
    ("agents/agent/models.py", "from mabos.api.exceptions import error_body\n",
     "[door] agents/agent/models.py:1: agents.agent.models → mabos.api.exceptions: a domain module imports a door"),
    ("agents/messaging/api/views.py", "from agents.agent.admin import AgentAdmin\n",
     "[door] agents/messaging/api/views.py:1: agents.messaging.api.views → agents.agent.admin: "
     "nothing imports a door"),
    ("agents/reasoning/api/views.py", "from agents.keys.api.schema import scheme\n",
     "[door] agents/reasoning/api/views.py:1: agents.reasoning.api.views → agents.keys.api.schema: "
     "nothing imports a door"),
    ("agents/common/errors.py", "from agents.common.api.base import APIView\n",
     "[door] agents/common/errors.py:1: agents.common.errors → agents.common.api.base: a domain module imports a door"),
    ("agents/messaging/tasks.py", "from agents.messaging.api.serializers import MessageSerializer\n",
     "[door] agents/messaging/tasks.py:1: agents.messaging.tasks → agents.messaging.api.serializers: "
     "nothing imports a door"),
])
def test_checker_finds_imports_of_facades_and_doors(tmp_path, path, text, expected):
    (tmp_path / "mabos" / "api").mkdir(parents=True)
    (tmp_path / "mabos" / "api" / "exceptions.py").touch()
    root = write_tree(tmp_path, {**CLEAN, path: text})
    graph = build_graph(root, ["agents", "mabos"])
    found = [str(violation) for violation in layout_violations(graph, AGENTS, EXEMPTIONS)]
    assert found == [expected]


def test_checker_says_which_concept_packages_are_missing_and_what_strays_at_the_root(tmp_path):
    root = write_tree(tmp_path, {"agents/common/errors.py": "", "agents/services/send.py": "",
                                 "agents/access.py": "", "agents/models.py": "", "agents/role_templates.json": "{}"})
    assert missing_concepts(root, AGENTS, REQUIRED_CONCEPTS) == [c for c in REQUIRED_CONCEPTS if c != "common"]
    assert stray_root_entries(root, AGENTS, ROOT_ALLOWED) == ["access.py", "services"]
