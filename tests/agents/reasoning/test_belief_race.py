"""Two concurrent POSTs of a new belief: exactly one of them created it, and only that one says 201."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from agents.models import Belief
from agents.reasoning.services import beliefs
from auditlog.models import AuditEvent
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_posts_of_a_new_belief_answer_201_once(monkeypatch):
    agent = AgentFactory()
    user = create_user(is_superuser=True, is_staff=True)
    clients = [client_for(user), client_for(user)]
    # Both requests reach the write only after both have passed whatever they read first, every time.
    both_in = threading.Barrier(2, timeout=20)
    original = beliefs.check_belief_key

    def meet_then_check(name, key):
        both_in.wait()
        return original(name, key)

    monkeypatch.setattr(beliefs, "check_belief_key", meet_then_check)
    statuses: list[int] = []

    def post(client) -> None:
        try:
            response = client.post(f"/api/v1/agents/{agent.pk}/beliefs/", {"key": "cash", "value": 1},
                                   format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 201]
    assert Belief.objects.filter(agent=agent, key="cash").count() == 1
    assert AuditEvent.objects.filter(target_type="agents.belief", action="create").count() == 1
