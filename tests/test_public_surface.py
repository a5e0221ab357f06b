"""Everything a user, a client or the database can see stays the same when code moves between modules.

The snapshot ``tests/snapshots/public_surface.json`` holds, per section:

- ``openapi``: every path, method and operationId of the served schema, and the component names
  (generated clients are built from both);
- ``url_names``: every named URL pattern, namespaced ones as ``admin:agents_agent_change``;
- ``models``: for every model of agents, accounts, auditlog and mabos (auto-created M2M tables included):
  ``app_label.ClassName`` (so content types), db_table, columns, constraint and index names, permission
  codenames;
- ``celery``: registered task names (``celery.*`` builtins and ``tests.*`` probes left out) and beat entry -> task name;
- ``templates``: the template attributes of our ModelAdmins and admin site, and the template files our
  apps and the project ship (their names are what ``render`` and admin overrides look up);
- ``migrations``: the leaf migration of every project app (``makemigrations --check`` itself is
  tests/test_migrations.py).

A reorganisation of modules (issue 12: agents/ by concept) must leave every section as it is. When a
change to the surface is deliberate, regenerate the snapshot and commit it with the change, so that the
diff of the JSON shows the reviewer what users will see differently::

    UPDATE_SURFACE=1 make test ARGS=tests/test_public_surface.py
    UPDATE_SURFACE=1 .venv/bin/python scripts/testenv.py -- .venv/bin/pytest tests/test_public_surface.py -k models

(the second rewrites one section only). With UPDATE_SURFACE=1 the tests write and pass; run them again
without it to see them compare.

Module paths (where a view, task or admin class lives) are left out on purpose: they are what a move
changes, and nobody outside the code sees them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.openapi import served_schema

SNAPSHOT = Path(__file__).parent / "snapshots" / "public_surface.json"
PROJECT_APPS = ("accounts", "agents", "auditlog", "mabos")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ADMIN_TEMPLATE_ATTRIBUTES = (
    "add_form_template", "change_form_template", "change_list_template", "delete_confirmation_template",
    "delete_selected_confirmation_template", "object_history_template", "popup_response_template",
)
SITE_TEMPLATE_ATTRIBUTES = (
    "index_template", "app_index_template", "login_template", "logout_template", "password_change_template",
    "password_change_done_template",
)


def openapi_surface(client: Any) -> dict[str, Any]:
    schema = served_schema(client)
    operations = {
        f"{method.upper()} {path}": operation.get("operationId")
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    components = {kind: sorted(entries) for kind, entries in schema.get("components", {}).items()}
    return {"operations": dict(sorted(operations.items())), "components": components}


def url_names_surface(client: Any) -> list[str]:
    from django.urls import get_resolver

    def names(resolver: Any, prefix: str = "") -> Iterator[str]:
        yield from (prefix + key for key in resolver.reverse_dict if isinstance(key, str))
        for namespace, (_pattern, child) in resolver.namespace_dict.items():
            yield from names(child, f"{prefix}{namespace}:")

    return sorted(set(names(get_resolver())))


def models_surface(client: Any) -> dict[str, Any]:
    from django.apps import apps

    surface = {}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            opts = model._meta
            surface[opts.label] = {
                "db_table": opts.db_table,
                "proxy": opts.proxy,
                "managed": opts.managed,
                "columns": sorted(field.column for field in opts.local_concrete_fields),
                "constraints": sorted(constraint.name for constraint in opts.constraints),
                "indexes": sorted(index.name for index in opts.indexes),
                # What django.contrib.auth's create_permissions writes for this model.
                "permissions": sorted([f"{action}_{opts.model_name}" for action in opts.default_permissions]
                                      + [codename for codename, _name in opts.permissions]),
            }
    return dict(sorted(surface.items()))


def celery_surface(client: Any) -> dict[str, Any]:
    from config.celery import app

    # What a worker does at start: autodiscovery is lazy until then.
    app.loader.import_default_modules()
    return {
        # Celery's builtins and the probes test modules register (``tests.*``) are not our surface.
        "tasks": sorted(name for name in app.tasks if not name.startswith(("celery.", "tests."))),
        "beat": {entry: spec["task"] for entry, spec in sorted(app.conf.beat_schedule.items())},
    }


def templates_surface(client: Any) -> dict[str, Any]:
    from django.apps import apps
    from django.conf import settings
    from django.contrib import admin

    def ours(cls: type) -> bool:
        return cls.__module__.split(".")[0] in PROJECT_APPS

    model_admins = {}
    for model, model_admin in admin.site._registry.items():
        if not ours(type(model_admin)):
            continue
        attributes = {name: getattr(model_admin, name) for name in ADMIN_TEMPLATE_ATTRIBUTES}
        model_admins[model._meta.label] = {name: value for name, value in attributes.items() if value}
    site = {name: getattr(admin.site, name) for name in SITE_TEMPLATE_ATTRIBUTES if getattr(admin.site, name)}

    directories = [Path(apps.get_app_config(label).path) / "templates" for label in PROJECT_APPS]
    directories += [Path(directory) for engine in settings.TEMPLATES for directory in engine.get("DIRS", [])]
    files = sorted({path.relative_to(directory).as_posix()
                    for directory in directories if directory.is_dir()
                    for path in directory.rglob("*") if path.is_file()})
    return {"model_admins": dict(sorted(model_admins.items())), "admin_site": site, "files": files}


def migrations_surface(client: Any) -> dict[str, list[str]]:
    from django.db.migrations.loader import MigrationLoader

    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    return {label: sorted(name for app, name in leaves if app == label) for label in PROJECT_APPS}


SECTIONS: dict[str, Callable[[Any], Any]] = {
    "openapi": openapi_surface,
    "url_names": url_names_surface,
    "models": models_surface,
    "celery": celery_surface,
    "templates": templates_surface,
    "migrations": migrations_surface,
}


def flatten(value: Any, prefix: str = "") -> set[str]:
    """One line per leaf, its path in front: two surfaces differ exactly where their lines differ."""
    if isinstance(value, dict):
        if not value:
            return {f"{prefix}{{}}"}
        return set().union(*(flatten(item, f"{prefix}{key} ") for key, item in value.items()))
    if isinstance(value, list):
        if not value:
            return {f"{prefix}[]"}
        return set().union(*(flatten(item, prefix) for item in value))
    return {f"{prefix}{json.dumps(value)}"}


def surface_diff(expected: Any, live: Any) -> str:
    expected_lines, live_lines = flatten(expected), flatten(live)
    gone = [f"  - {line}" for line in sorted(expected_lines - live_lines)]
    new = [f"  + {line}" for line in sorted(live_lines - expected_lines)]
    return "\n".join(["in the snapshot, no longer live (-):", *gone, "live, not in the snapshot (+):", *new])


def read_snapshot() -> dict[str, Any]:
    return json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}


@pytest.mark.django_db
@pytest.mark.parametrize("section", list(SECTIONS))
def test_public_surface_is_unchanged(section, client):
    live = json.loads(json.dumps(SECTIONS[section](client)))  # the same shapes as the file holds (tuples -> lists)
    if os.environ.get("UPDATE_SURFACE") == "1":
        snapshot = read_snapshot()
        snapshot[section] = live
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(dict(sorted(snapshot.items())), indent=1, sort_keys=False) + "\n")
        return
    snapshot = read_snapshot()
    assert section in snapshot, (f"{SNAPSHOT} has no '{section}' section; write it with "
                                 f"UPDATE_SURFACE=1 pytest tests/test_public_surface.py -k {section}")
    if live != snapshot[section]:
        pytest.fail(f"The public surface '{section}' changed. If that is deliberate, regenerate {SNAPSHOT.name} "
                    f"with UPDATE_SURFACE=1 (see this module's docstring) and commit it with the change.\n"
                    + surface_diff(snapshot[section], live), pytrace=False)


def test_the_diff_names_what_went_and_what_came():
    """The failure message is the point of this test module: it must say which names moved."""
    before = {"operations": {"GET /a/": "a_list", "POST /a/": "a_create"}, "tasks": ["x.one"]}
    after = {"operations": {"GET /a/": "a_list", "POST /a/": "a_make"}, "tasks": ["x.one", "x.two"]}
    diff = surface_diff(before, after)
    assert '  - operations POST /a/ "a_create"' in diff
    assert '  + operations POST /a/ "a_make"' in diff
    assert '  + tasks "x.two"' in diff
    assert "GET /a/" not in diff
