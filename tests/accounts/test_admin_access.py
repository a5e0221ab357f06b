"""What the admin says about access (issue 19, part 2): a user's page shows their roles and object grants, and a
staff member who holds none is told on the index why every list is empty and who can grant access."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services.permissions import permission_grant
from tests.support.actors import SYSTEM
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
NOTICE = "You hold no access to any organization or agent yet"


def test_a_users_page_shows_their_roles_and_object_grants(django_assert_max_num_queries):
    admin = create_user("root", is_staff=True, is_superuser=True)
    org = OrganizationFactory(name="Corner Shop")
    agent = AgentFactory(name="Till Clerk")
    bob = create_user("bob", roles=("operator",), is_staff=True)
    permission_grant(by=SYSTEM, obj=org, action="view", user=bob)
    permission_grant(by=SYSTEM, obj=org, action="operate", user=bob)
    permission_grant(by=SYSTEM, obj=agent, action="view", group=bob.groups.get(name="operator"))
    client = staff_client(admin)
    url = reverse("admin:accounts_user_change", args=[bob.pk])
    client.get(url)
    with django_assert_max_num_queries(40):  # the whole user page; the grants table is four of them
        html = client.get(url).content.decode()
    assert "object-grants" in html
    table = html[html.index('class="object-grants"'):]
    table = table[:table.index("</table>")]
    org_url = reverse("admin:agents_organization_change", args=[org.pk])
    assert f'<a href="{org_url}">Corner Shop</a></td><td>view</td><td>direct</td>' in table
    assert f'<a href="{org_url}">Corner Shop</a></td><td>operate</td><td>direct</td>' in table
    assert "Till Clerk</a></td><td>view</td><td>operator</td>" in table
    roles = html[html.index("field-roles_held"):]
    assert '<div class="readonly">operator</div>' in roles[:600]


def test_a_user_with_no_grant_reads_none():
    admin = create_user("root", is_staff=True, is_superuser=True)
    carol = create_user("carol", is_staff=True)
    html = staff_client(admin).get(reverse("admin:accounts_user_change", args=[carol.pk])).content.decode()
    grants = html[html.index("field-object_grants"):]
    assert "none" in grants[:600] and "object-grants" not in html


def test_a_staff_member_with_no_access_is_told_why_and_who_can_grant_it():
    create_user("alice-admin", roles=("administrator",), is_staff=True)
    create_user("root", is_staff=True, is_superuser=True)
    newcomer = create_user("newcomer", roles=("operator",), is_staff=True)
    html = staff_client(newcomer).get(reverse("admin:index")).content.decode()
    assert NOTICE in html
    assert "by an administrator (alice-admin, root)" in html


def test_the_notice_is_gone_once_they_hold_a_grant_and_never_shown_to_administrators():
    newcomer = create_user("newcomer", is_staff=True)
    permission_grant(by=SYSTEM, obj=OrganizationFactory(), action="view", group=create_user(
        "someone", roles=("viewer",)).groups.get(name="viewer"))
    newcomer.groups.add(newcomer.__class__.objects.get(username="someone").groups.get(name="viewer"))
    assert NOTICE not in staff_client(newcomer).get(reverse("admin:index")).content.decode()  # through a role
    admin = create_user("admin2", roles=("administrator",), is_staff=True)
    assert NOTICE not in staff_client(admin).get(reverse("admin:index")).content.decode()
