"""Fuzz every operation of the OpenAPI schema with schemathesis, as an operator (JWT) and as an agent key.

(And as an administrator for the administrators' operations, which refuse an operator whatever it sends.)

What it guarantees: for every generated request (valid and invalid input, real
and random ids) the API answers below 500, with a status code the schema
declares, the content type and headers it declares and a body that matches the schema. A
client generated from /api/schema/ can therefore read every answer it gets.

How: the schema is loaded from the app's own /api/schema/, and each case is
sent to the WSGI app in this process (same database connection, so the test
transaction's rows are visible). Every case runs in a savepoint that is rolled
back and with throttles, lockouts and cached keys reset, so a DELETE, a logout
or a key revocation does not change what the next case finds: nothing is
excluded for being destructive. The seed is fixed, so a run is reproducible.

Run it alone (a minute or two on two idle cores; see docs/operations.md#api-fuzz):

    .venv/bin/python scripts/testenv.py -- .venv/bin/pytest tests/mabos/api/test_fuzz.py -q
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agents.keys import cache as key_cache
from tests.support.fuzz_world import World, path_parameters_for, world_build

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(600)]

SEED = 20261201
#: Cases per operation: an operator may call every operation; an agent key only those whose security names
#: ``agentKey`` (its inbox, deliveries, beliefs, goals, sends), and every other one answers it 401 however the
#: input looks, so a few cases there are enough. 69 operations come to about 1,070 cases in all.
EXAMPLES = {"operator": 10, "agent_key": 12, "administrator": 12}
EXAMPLES_WHERE_REFUSED = 3
#: An operator is refused (403) by the administrators' operations whatever it sends; an administrator fuzzes
#: those (object-permission grants, the audit trail) and nothing else, which the operator already covers.
ADMINISTRATORS_ONLY = re.compile(r"^/api/v1/(permissions|audit)/")
MINIMUM_CASES = 1000
#: 2xx answers each identity must get: the world's ids are reached, not only refusals.
MINIMUM_SUCCESSES = {"operator": 100, "agent_key": 10, "administrator": 5}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@dataclasses.dataclass(frozen=True)
class Finding:
    identity: str
    operation: str
    check: str
    status: int
    title: str
    detail: str = dataclasses.field(compare=False)
    curl: str = dataclasses.field(compare=False)

    def __str__(self) -> str:
        detail = self.detail[-2500:] if self.status >= 500 else self.detail[:900]  # a traceback's end says why
        return f"[{self.identity}] {self.operation}: {self.check} ({self.status}) {self.title}\n" \
               f"    {detail}\n    {self.curl[:600]}"


class _ErrorLog(logging.Handler):
    """Tracebacks the app logged while answering one case (a 500's cause, for the report)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@contextmanager
def in_process_app(settings_fixture: Any) -> Iterator[WSGIHandler]:
    """The WSGI app, called in this thread on the test's connection (as Django's test client does)."""
    settings_fixture.ALLOWED_HOSTS = [*settings_fixture.ALLOWED_HOSTS, "localhost"]
    settings_fixture.DEBUG_PROPAGATE_EXCEPTIONS = False
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@contextmanager
def rolled_back() -> Iterator[None]:
    """One case's writes (and cached auth state) vanish afterwards: the next case sees the same world.

    Lockouts live in the database (rolled back with the rest); throttle counters, denylisted tokens and
    verified keys live in the cache, which is cleared.
    """
    cache.clear()
    key_cache.clear()
    point = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)
        transaction.set_rollback(False)


def with_real_refs(world: World) -> Any:
    """Sometimes swap body and query fields that name objects (organization, sender, to, ...) for real ones."""

    def swap(case: Any, choices: list[bool]) -> Any:
        if isinstance(case.body, dict):
            for (name, value), use in zip(sorted(world.refs.items()), choices, strict=False):
                if use and name in case.body:
                    case.body[name] = value
        if isinstance(case.query, dict):
            for name in ("organization", "agent", "recipient", "conversation_id", "role", "group", "object_type",
                         "object_id"):
                if name in case.query and name in world.refs and choices[-1]:
                    value = world.refs[name]
                    case.query[name] = value[0] if isinstance(value, list) else value
        return case

    return swap


def operation_strategy(operation: Any, world: World) -> Any:
    """Valid and invalid input, against real objects and random ids."""
    real = path_parameters_for(world, operation.path)
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        if real:
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))
    swap = with_real_refs(world)
    flags = st.lists(st.booleans(), min_size=len(world.refs) + 1, max_size=len(world.refs) + 1)
    return st.builds(swap, st.one_of(strategies), flags)


def fuzz_operation(operation: Any, strategy: Any, app: WSGIHandler, headers: dict[str, str], identity: str,
                   findings: set[Finding], counter: collections.Counter) -> None:
    log = _ErrorLog()
    schemes = {name for requirement in operation.definition.raw.get("security", []) for name in requirement}
    refused = (identity == "agent_key" and "agentKey" not in schemes) or \
        (identity == "operator" and ADMINISTRATORS_ONLY.match(operation.path))
    if identity == "administrator" and not ADMINISTRATORS_ONLY.match(operation.path):
        return
    examples = EXAMPLES_WHERE_REFUSED if refused else EXAMPLES[identity]

    @seed(SEED)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        log.records.clear()
        with rolled_back():
            response = case.call(app=app, headers=headers)
        counter[identity] += 1
        counter[f"{identity} {response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            curl = case.as_curl_command(headers=headers)
            for failure in group.exceptions:
                detail = failure.message or ""
                if response.status_code >= 500 and log.records:
                    detail += "\n" + "\n".join(log.records)[-1500:]
                findings.add(Finding(identity, operation.label, type(failure).__name__, response.status_code,
                                     failure.title, detail, curl))

    for name in ("mabos.api", "django.request"):
        logging.getLogger(name).addHandler(log)
    try:
        run()
    finally:
        for name in ("mabos.api", "django.request"):
            logging.getLogger(name).removeHandler(log)


def test_every_operation_answers_below_500_and_as_the_schema_says(settings):
    started, cpu = time.monotonic(), time.process_time()
    findings: set[Finding] = set()
    counter: collections.Counter = collections.Counter()
    with in_process_app(settings) as app:
        world = world_build()
        schema = schemathesis.openapi.from_wsgi("/api/schema/", app,
                                                headers={"Accept": "application/vnd.oai.openapi+json"})
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 60, "the schema lost operations"
        only = os.environ.get("FUZZ_OPERATIONS")  # e.g. FUZZ_OPERATIONS='GET /api/v1/agents/' while debugging
        if only:
            operations = [op for op in operations if re.search(only, op.label)]
        strategies = {op.label: operation_strategy(op, world) for op in operations}  # built once, drawn per identity
        for identity, headers in world.headers.items():
            for operation in operations:
                fuzz_operation(operation, strategies[operation.label], app, headers, identity, findings, counter)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    new = sorted(findings, key=str)
    cases = sum(counter[identity] for identity in world.headers)
    print(f"\nfuzz: {cases} cases {dict(sorted(counter.items()))} over {len(operations)} operations in "
          f"{elapsed:.0f}s ({cpu:.0f}s CPU in this process); {len(new)} findings")
    assert not new, f"{len(new)} findings:\n" + "\n".join(map(str, new))
    if not only:
        assert cases >= MINIMUM_CASES
        assert all(counter[f"{identity} 2xx"] >= least for identity, least in MINIMUM_SUCCESSES.items()), counter
