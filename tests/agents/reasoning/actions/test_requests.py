"""``action_requests_insert``: the cycle's outbox write, one statement, idempotent, woken after commit."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import ActionRequest, ActionStatus
from agents.reasoning.actions import wakeup
from agents.reasoning.actions.services import NewActionRequest, action_request_check, action_requests_insert
from mabos.errors import InvalidInput
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db


def new(agent, key, name="crm.create_lead", args=None, intention=None):
    return NewActionRequest(agent=agent, name=name, idempotency_key=key, args={"name": "ada"} if args is None else args,
                            intention=intention)


def test_a_batch_is_one_statement_and_a_replay_inserts_nothing(agent, intention, django_capture_on_commit_callbacks):
    other = AgentFactory(organization=agent.organization)
    batch = [new(agent, f"{intention.pk}:1", intention=intention), new(other.pk, "k:2", name="log", args={}),
             new(agent, f"{intention.pk}:1", intention=intention.pk)]  # the same key twice in one batch
    with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as queries:
        assert action_requests_insert(requests=batch) == 2
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert "ON CONFLICT" in queries.captured_queries[0]["sql"]
    assert callbacks == [wakeup.actions_wakeup]  # one wake-up, after the commit (the worker test sees it run)
    request = ActionRequest.objects.get(idempotency_key=f"{intention.pk}:1")
    assert (request.agent_id, request.intention_id, request.name, request.args) == \
        (agent.pk, intention.pk, "crm.create_lead", {"name": "ada"})
    assert (request.status, request.attempts, request.result, request.error, request.finished_at) == \
        (ActionStatus.PENDING, 0, None, "", None)
    assert request.created_at and request.next_attempt_at and request.lease_until is None

    with django_capture_on_commit_callbacks() as callbacks:  # the cycle replayed after a crash
        assert action_requests_insert(requests=batch) == 0
    assert ActionRequest.objects.count() == 2 and callbacks == []  # nothing new: no wake-up either
    assert action_requests_insert(requests=[]) == 0


@pytest.mark.parametrize(("field", "changes", "words"), [
    ("name", {"name": "Crm Lead"}, "lower-case words"),
    ("idempotency_key", {"idempotency_key": ""}, "1 to 200"),
    ("idempotency_key", {"idempotency_key": "k" * 201}, "1 to 200"),
    ("args", {"args": ["not", "an", "object"]}, "JSON object"),
    ("args", {"args": {"x": "y" * 40_000}}, "Too large"),
    ("args", {"args": {"x": float("nan")}}, ""),
    ("agent", {"agent": "nobody"}, "not a valid id"),
    ("intention", {"intention": "nothing"}, "not a valid id"),
])
def test_what_the_table_cannot_hold_is_a_400_before_any_statement(agent, field, changes, words):
    values = {"agent": agent, "name": "log", "idempotency_key": "k", "args": {}, "intention": None, **changes}
    good = NewActionRequest(agent=agent, name="log", idempotency_key="fine")
    with CaptureQueriesContext(connection) as queries, pytest.raises(InvalidInput) as caught:
        action_requests_insert(requests=[good, NewActionRequest(**values)])
    assert queries.captured_queries == []
    path = next(iter(caught.value.fields))
    assert path.startswith(f"requests[1].{field}") and words in caught.value.fields[path][0]
    with pytest.raises(InvalidInput) as alone:  # the cycle checks one request the same way
        action_request_check(NewActionRequest(**values))
    assert next(iter(alone.value.fields)).startswith(field)
    assert not ActionRequest.objects.exists()


def test_an_unknown_action_is_inserted_and_fails_when_it_runs(agent):
    """The registry decides when the request runs (unknown_action), not in the cycle's transaction."""
    assert action_requests_insert(requests=[new(agent, "k", name="crm.unheard_of")]) == 1
