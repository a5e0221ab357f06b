"""Granting and revoking access from the admin (issue 19, part 2): an organization's page and an agent's access
page list the grants; an administrator grants and revokes there through the audited services of
/api/v1/permissions/; anyone else gets a 403; a bad user or verb is a form error on its field, with nothing
written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.object_permissions import has_object_permission
from accounts.services.permissions import grants_for_object, permission_grant
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.admin import staff_client
from tests.support.api import create_user
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db


def _access(obj) -> str:
    return reverse(f"admin:agents_{obj._meta.model_name}_access", args=[obj.pk])


def _grants(obj) -> set[tuple[str, str]]:
    return {(grant["holder"], grant["permission"]) for grant in grants_for_object(obj)}


def _events(obj, action: str):
    return AuditEvent.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk), action=action)


def test_the_organization_page_lists_its_grants_and_offers_the_form(staff_admin, org):
    bob = create_user("bob-the-operator", roles=("operator",), is_staff=True)
    permission_grant(by=SYSTEM, obj=org, action="operate", user=bob)
    page = staff_client(staff_admin).get(reverse("admin:agents_organization_change", args=[org.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="grants-direct"' in html and "bob-the-operator" in html and "operate" in html
    assert 'id="grant-form"' in html and f'action="{_access(org)}"' in html and "csrfmiddlewaretoken" in html
    assert 'class="accesslink"' in html  # the object tools link to the access page too
    assert '<option value="bob-the-operator">' in html  # the user field suggests the staff's names


def test_an_administrator_grants_view_and_operate_on_an_organization(staff_admin, org):
    bob = create_user("bob", roles=("operator",), is_staff=True)
    change_url = reverse("admin:agents_organization_change", args=[org.pk])
    client = staff_client(staff_admin)
    response = client.post(_access(org), {"op": "grant", "user": "bob",
                                                             "verbs": ["view", "operate"], "next": change_url})
    assert response.status_code == 302 and response["Location"] == change_url  # PRG, back to the page
    assert _grants(org) == {("bob", "view"), ("bob", "operate")}
    assert has_object_permission(bob, "operate", org) and not has_object_permission(bob, "change", org)
    events = _events(org, "permission_granted").order_by("seq")
    assert [event.changes["grant"][1] for event in events] == ["view_organization to user:bob",
                                                               "operate_organization to user:bob"]
    assert {event.actor_id for event in events} == {str(staff_admin.pk)}
    page = client.get(change_url).content.decode()
    assert "Granted view, operate on" in page and "bob" in page


def test_granting_what_is_held_already_writes_nothing(staff_admin, org):
    bob = create_user("bob", is_staff=True)
    permission_grant(by=SYSTEM, obj=org, action="view", user=bob)
    client = staff_client(staff_admin)
    before = AuditEvent.objects.count()
    response = client.post(_access(org), {"op": "grant", "user": "bob", "verbs": ["view"]}, follow=True)
    assert "Bob already held view" in response.content.decode()  # the admin capitalises messages
    assert AuditEvent.objects.count() == before


def test_an_administrator_revokes_a_grant(staff_admin, org):
    bob = create_user("bob", is_staff=True)
    permission_grant(by=SYSTEM, obj=org, action="view", user=bob)
    permission_grant(by=SYSTEM, obj=org, action="operate", user=bob)
    response = staff_client(staff_admin).post(_access(org), {"op": "revoke", "holder_type": "user",
                                                             "holder": "bob", "permission": "operate"})
    assert response.status_code == 302 and response["Location"] == _access(org)
    assert _grants(org) == {("bob", "view")}
    event = _events(org, "permission_revoked").get()
    assert event.changes["grant"] == ["operate_organization to user:bob", None]
    assert event.actor_id == str(staff_admin.pk)


def test_revoking_a_grant_that_is_not_there_says_so_and_writes_nothing(staff_admin, org):
    create_user("bob", is_staff=True)
    response = staff_client(staff_admin).post(_access(org), {"op": "revoke", "holder_type": "user",
                                                             "holder": "bob", "permission": "view"}, follow=True)
    assert "Nothing was revoked" in response.content.decode()
    assert not _events(org, "permission_revoked").exists()


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"user": "nobody-here", "verbs": ["view"]}, "user", "No user is named"),
    ({"user": "bob", "verbs": ["fly"]}, "verbs", "Select a valid choice"),
    ({"user": "bob", "verbs": []}, "verbs", "This field is required"),
    ({"user": "", "verbs": ["view"]}, "user", "This field is required"),
])
def test_a_bad_user_or_verb_is_a_form_error_on_its_field(staff_admin, org, data, field, words):
    create_user("bob", is_staff=True)
    client = staff_client(staff_admin)
    before = AuditEvent.objects.count()
    response = client.post(_access(org), {"op": "grant", **data})
    assert response.status_code == 200
    form = response.context["access"]["form"]
    assert field in form.errors and words in " ".join(form.errors[field])
    assert words in response.content.decode()
    assert _grants(org) == set() and AuditEvent.objects.count() == before


def test_someone_who_may_view_but_is_no_administrator_cannot_grant_or_revoke(org):
    viewer = create_user("carol", roles=("operator",), is_staff=True)
    permission_grant(by=SYSTEM, obj=org, action="view", user=viewer)
    permission_grant(by=SYSTEM, obj=org, action="change", user=viewer)  # change is not the right to grant
    client = staff_client(viewer)
    page = client.get(reverse("admin:agents_organization_change", args=[org.pk])).content.decode()
    assert 'id="grants-direct"' in page and 'id="grant-form"' not in page and "Revoke" not in page
    assert client.get(_access(org)).status_code == 200
    grant = client.post(_access(org), {"op": "grant", "user": "carol", "verbs": ["delete"]})
    revoke = client.post(_access(org), {"op": "revoke", "holder_type": "user", "holder": "carol",
                                        "permission": "view"})
    assert (grant.status_code, revoke.status_code) == (403, 403)
    assert _grants(org) == {("carol", "view"), ("carol", "change")}


def test_an_object_the_user_may_not_see_has_no_access_page(staff_operator, org):
    assert staff_client(staff_operator).get(_access(org)).status_code == 404
    assert staff_client(staff_operator).post(_access(org), {"op": "grant", "user": "x"}).status_code == 404


def test_an_agent_has_its_own_access_page_with_the_inherited_grants(staff_admin, org):
    agent = AgentFactory(organization=org, name="Buyer")
    dave = create_user("dave", is_staff=True)
    permission_grant(by=SYSTEM, obj=org, action="view", user=create_user("erin", is_staff=True))
    client = staff_client(staff_admin)
    page = client.get(reverse("admin:agents_agent_change", args=[agent.pk])).content.decode()
    assert f'href="{_access(agent)}"' in page  # linked from the agent's page
    response = client.post(_access(agent), {"op": "grant", "user": "dave", "verbs": ["view", "operate"]})
    assert response.status_code == 302 and response["Location"] == _access(agent)
    assert _grants(agent) == {("dave", "view"), ("dave", "operate")} and _grants(org) == {("erin", "view")}
    assert has_object_permission(dave, "operate", agent)
    assert _events(agent, "permission_granted").count() == 2
    html = client.get(_access(agent)).content.decode()
    assert 'id="grants-inherited"' in html and "erin" in html and "dave" in html


def test_the_access_page_runs_a_constant_number_of_queries(staff_admin, org, django_assert_max_num_queries):
    client = staff_client(staff_admin)
    client.get(_access(org))  # warm the content types and the session
    for number in range(6):
        permission_grant(by=SYSTEM, obj=org, action="view", user=create_user(f"many{number}"))
    with django_assert_max_num_queries(12):
        assert client.get(_access(org)).status_code == 200


def test_a_roles_grant_is_revoked_from_its_row(staff_admin, org):
    operators = staff_admin.groups.model.objects.get(name="operator")
    permission_grant(by=SYSTEM, obj=org, action="view", group=operators)
    client = staff_client(staff_admin)
    html = client.get(reverse("admin:agents_organization_change", args=[org.pk])).content.decode()
    assert 'value="group"' in html and "operator" in html
    client.post(_access(org), {"op": "revoke", "holder_type": "group", "holder": "operator", "permission": "view"})
    assert _grants(org) == set()
    assert _events(org, "permission_revoked").get().changes["grant"] == ["view_organization to group:operator", None]


def test_ugly_ids_and_foreign_next_urls_go_nowhere(staff_admin, org):
    create_user("bob", is_staff=True)
    client = staff_client(staff_admin)
    assert client.get("/admin/agents/organization/not-a-uuid/access/").status_code == 404
    assert client.post("/admin/agents/agent/00000000-0000-0000-0000-000000000000/access/",
                       {"op": "grant", "user": "bob", "verbs": ["view"]}).status_code == 404
    response = client.post(_access(org), {"op": "grant", "user": "bob", "verbs": ["view"],
                                          "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == _access(org)  # never off-site
    assert _grants(org) == {("bob", "view")}
