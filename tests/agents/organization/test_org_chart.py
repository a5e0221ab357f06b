"""The organization's org chart page: who reports to whom as a tree, its roles and groups with their members,
each agent's status and health, every name linking to its page; only what the viewer may see; a fixed number
of queries whatever the number of agents."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.agent.org_chart import Entry, supervisor_tree
from agents.models import AgentStatus, AgentSupervision, MembershipRole
from tests.support.actors import grant
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import (
    AgentFactory,
    AgentGroupFactory,
    AgentRoleFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


class TreeReader(HTMLParser):
    """The reporting lines of the page as {agent name: its parent's name (None for a root)}."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.nodes: list[str | None] = []  # the open <li class="orgchart-node">, each with its agent once read
        self.depth = 0  # <li> nesting inside the tree
        self.stack: list[tuple[int, str | None]] = []
        self.parents: dict[str, str | None] = {}
        self.reading: bool = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id") == "orgchart-tree":
            self.inside = True
        if not self.inside:
            return
        if tag == "li" and "orgchart-node" in (attrs.get("class") or ""):
            self.stack.append((self.depth, None))
        if tag == "li":
            self.depth += 1
        if tag == "a" and "orgchart-agent" in (attrs.get("class") or ""):
            self.reading = True

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "section":
            self.inside = False
        if tag == "li":
            self.depth -= 1
            if self.stack and self.stack[-1][0] == self.depth:
                self.stack.pop()
        if tag == "a":
            self.reading = False

    def handle_data(self, data):
        if self.inside and self.reading and self.stack and self.stack[-1][1] is None:
            name = data.strip()
            depth, _ = self.stack[-1]
            self.stack[-1] = (depth, name)
            parent = next((n for _, n in reversed(self.stack[:-1])), None)
            self.parents[name] = parent


def reporting_lines(page: str) -> dict[str, str | None]:
    reader = TreeReader()
    reader.feed(page)
    return reader.parents


def section(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def company():
    org = OrganizationFactory(name="Chart Co")
    chief, money = AgentRoleFactory(organization=org, name="Chief"), AgentRoleFactory(organization=org, name="Money")
    AgentRoleFactory(organization=org, name="Vacant")
    ceo = AgentFactory(organization=org, role=chief, name="Ceo")
    cfo = AgentFactory(organization=org, role=money, name="Cfo", supervisor=ceo)
    coo = AgentFactory(organization=org, role=chief, name="Coo", supervisor=ceo)
    clerk = AgentFactory(organization=org, role=money, name="Clerk", supervisor=cfo, status=AgentStatus.FAILED)
    AgentSupervision.objects.create(agent=coo, stale_since=timezone.now())
    board = AgentGroupFactory(organization=org, name="Board", purpose="Decide.")
    MembershipFactory(group=board, agent=ceo, role=MembershipRole.LEADER)
    MembershipFactory(group=board, agent=cfo)
    AgentGroupFactory(organization=org, name="Empty Team")
    elsewhere = AgentFactory(name="Stranger", supervisor=None)
    return {"org": org, "ceo": ceo, "cfo": cfo, "coo": coo, "clerk": clerk, "elsewhere": elsewhere}


def viewer(org):
    user = create_user(roles=("viewer",), is_staff=True)
    grant(user, org, "view")
    return staff_client(user)


def test_the_chart_draws_reporting_lines_roles_and_groups_with_each_agents_state(company):
    org = company["org"]
    response = viewer(org).get(f"/admin/agents/organization/{org.pk}/chart/")
    assert response.status_code == 200
    page = response.content.decode()

    assert reporting_lines(page) == {"Ceo": None, "Cfo": "Ceo", "Coo": "Ceo", "Clerk": "Cfo"}
    for name in ("Ceo", "Cfo", "Coo", "Clerk"):
        agent = company[name.lower()]
        assert page.count(f'href="/admin/agents/agent/{agent.pk}/change/"') >= 2  # in the tree and its role
    clerk = section(page, "orgchart-tree").split(f'id="orgchart-agent-{company["clerk"].pk}"', 1)[1][:400]
    assert "orgchart-status-failed" in clerk and "failed, no heartbeat yet" in clerk
    coo = section(page, "orgchart-tree").split(f'id="orgchart-agent-{company["coo"].pk}"', 1)[1][:400]
    assert "supervision-stale" in coo and "stale, no heartbeat yet" in coo

    roles = section(page, "orgchart-roles")
    money = roles.split(f'id="orgchart-role-{company["cfo"].role.slug}"', 1)[1].split('class="orgchart-role"')[0]
    assert "Cfo" in money and "Clerk" in money
    assert f'reports to <a href="/admin/agents/agent/{company["ceo"].pk}/change/">Ceo</a>' in money
    assert f'reports to <a href="/admin/agents/agent/{company["cfo"].pk}/change/">Cfo</a>' in money
    assert "Vacant" in roles and "nobody holds it" in roles

    groups = section(page, "orgchart-groups")
    board = groups.split("Empty Team")[0]
    assert board.index("Ceo") < board.index("Cfo"), "the leader first"
    assert "orgchart-membership-leader" in board and "Decide." in board
    assert "no members" in groups.split("Empty Team")[1]
    assert "Stranger" not in page


def test_the_chart_is_reached_from_the_organization_and_refused_to_strangers(company):
    org = company["org"]
    client = viewer(org)
    chart = f"/admin/agents/organization/{org.pk}/chart/"
    assert f'href="{chart}"' in client.get(f"/admin/agents/organization/{org.pk}/change/").content.decode()
    assert f'href="{chart}"' in client.get("/admin/agents/organization/").content.decode()
    other = viewer(OrganizationFactory())
    assert other.get(chart).status_code == 404
    assert client.get("/admin/agents/organization/00000000-0000-0000-0000-000000000000/chart/").status_code == 404


def test_the_chart_costs_the_same_queries_for_four_agents_or_forty(company):
    org = company["org"]
    client = viewer(org)
    url = f"/admin/agents/organization/{org.pk}/chart/"
    client.get(url)  # warm caches (content types, sessions)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    boss = company["cfo"]
    team = AgentGroupFactory(organization=org, name="Many")
    for index in range(36):
        agent = AgentFactory(organization=org, role=company["clerk"].role, name=f"Worker {index:02}", supervisor=boss)
        MembershipFactory(group=team, agent=agent)
        boss = agent if index % 6 == 0 else boss
    many = count()
    assert few == many, (few, many)
    assert many <= 16
    assert reporting_lines(client.get(url).content.decode())["Worker 01"] == "Worker 00"


def test_a_circle_of_supervisors_still_shows_every_agent_once():
    entries = [Entry(AgentFactory.build(name=name)) for name in ("a", "b", "c")]
    a, b, c = (entry.agent for entry in entries)
    a.supervisor_id, b.supervisor_id, c.supervisor_id = b.pk, a.pk, None
    roots = supervisor_tree(entries)

    def names(nodes):
        return [(node.entry.agent.name, names(node.children)) for node in nodes]

    assert names(roots) == [("c", []), ("a", [("b", [])])]
