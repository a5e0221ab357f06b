"""Every list of the messaging and agent-staff API costs the same number of queries for 2 items as for 20.

Each case grows its list from 2 to 20 items, with what is most likely to cost a query per row (messages a
person sent: their ``sender`` label names the user), and asserts the same count, under a fixed maximum.

Cross-cutting, so it sits in tests/agents/ itself: the lists belong to messaging (inbox, dead letters,
messages, subscriptions), keys and agent (group members), and one measure (``assert_constant``) serves them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.agent.services.groups import membership_add
from agents.keys.services import agent_key_create
from agents.messaging.services.delivery import delivery_dispatch_due
from agents.messaging.services.send import message_send
from agents.messaging.services.subscriptions import subscription_create
from agents.models import AgentKind, Delivery
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory, AgentGroupFactory

pytestmark = pytest.mark.django_db

#: A page of a list: authentication, permission checks, the count and the page (with its joins).
MAX_QUERIES = 12


@pytest.fixture
def person(org):
    user = create_user(roles=("operator",))
    grant(user, org, "view", "change", "operate")
    return user


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries.captured_queries)


def assert_constant(client: Any, url: str, add: Callable[[int], None], django_assert_max_num_queries,
                    expected: Callable[[], int]) -> None:
    add(2)
    assert client.get(url).json()["count"] == expected() == 2
    count_queries(client, url)  # warm: content types, permission caches
    few = count_queries(client, url)
    add(18)
    assert client.get(url).json()["count"] == expected() == 20
    with django_assert_max_num_queries(MAX_QUERIES):
        many = count_queries(client, url)
    assert many == few, f"{url}: {few} queries for 2 items, {many} for 20"


def people_send(org: Any, person: Any, recipient: Any, n: int) -> None:
    """``n`` messages from a person speaking as themselves (no sender agent)."""
    for i in range(n):
        message_send(organization=org, by=person, performative="inform", content={"n": i}, to=[recipient.pk])


def test_inbox_list(org, person, django_assert_max_num_queries):
    inbox = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)

    def add(n: int) -> None:
        people_send(org, person, inbox, n)
        delivery_dispatch_due()

    assert_constant(client_for(person), f"/api/v1/agents/{inbox.pk}/inbox/?page_size=100", add,
                    django_assert_max_num_queries,
                    lambda: Delivery.objects.filter(recipient=inbox, status="delivered").count())


def test_dead_letter_list(org, person, django_assert_max_num_queries):
    recipient = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)

    def add(n: int) -> None:
        people_send(org, person, recipient, n)
        Delivery.objects.filter(recipient=recipient).update(status="dead", last_error="test")

    assert_constant(client_for(person), "/api/v1/dead-letters/?page_size=100", add, django_assert_max_num_queries,
                    lambda: Delivery.objects.filter(status="dead").count())


def test_message_list(org, person, django_assert_max_num_queries):
    recipient = AgentFactory(organization=org)
    assert_constant(client_for(person), "/api/v1/messages/?page_size=100",
                    lambda n: people_send(org, person, recipient, n), django_assert_max_num_queries,
                    lambda: recipient.deliveries.count())


def test_api_key_list(org, person, django_assert_max_num_queries):
    external = AgentFactory(organization=org, kind=AgentKind.EXTERNAL)

    def add(n: int) -> None:
        for i in range(n):
            agent_key_create(agent=external, by=person, name=f"runtime {i}")

    assert_constant(client_for(person), f"/api/v1/agents/{external.pk}/keys/?page_size=100", add,
                    django_assert_max_num_queries, lambda: external.api_keys.count())


def test_group_member_list(org, person, django_assert_max_num_queries):
    group = AgentGroupFactory(organization=org)

    def add(n: int) -> None:
        for _ in range(n):
            membership_add(group=group, agent=AgentFactory(organization=org), by=SYSTEM)

    assert_constant(client_for(person), f"/api/v1/groups/{group.pk}/members/?page_size=100", add,
                    django_assert_max_num_queries, lambda: group.memberships.count())


def test_subscription_list(org, person, django_assert_max_num_queries):
    agent = AgentFactory(organization=org)
    made = []

    def add(n: int) -> None:
        for _ in range(n):
            made.append(subscription_create(agent=agent, topic_pattern=f"sales.{len(made)}.*", by=SYSTEM))

    assert_constant(client_for(person), f"/api/v1/agents/{agent.pk}/subscriptions/?page_size=100", add,
                    django_assert_max_num_queries, lambda: agent.subscriptions.count())
