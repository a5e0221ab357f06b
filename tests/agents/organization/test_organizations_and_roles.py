"""Organizations and roles through the services: bad input is refused naming the field, writes audited."""

from __future__ import annotations

import pytest

from agents.models import JSON_MAX_CHARS
from agents.organization.services.organizations import organization_create, organization_update
from agents.organization.services.roles import role_create, role_delete
from auditlog.models import AuditEvent
from mabos.errors import Conflict, InvalidInput
from tests.support.actors import SYSTEM
from tests.support.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def field_of(exc_info) -> set[str]:
    return set(exc_info.value.fields)


def test_organization_create_audits_and_grants_the_creator(operator):
    from agents.organization.access import org_allows

    org = organization_create(name="Acme Shop", description="Sells things.", profile={"size": 3}, by=operator)
    assert org.slug == "acme-shop" and org.created_by == operator
    assert all(org_allows(operator, verb, org) for verb in ("view", "change", "operate", "delete"))
    event = AuditEvent.objects.get(target_id=str(org.pk), action="create")
    assert event.changes["name"] == [None, "Acme Shop"] and event.actor_id == str(operator.pk)
    with pytest.raises(InvalidInput) as info:
        organization_create(name="Acme  Shop!", description="Again.", by=operator)
    assert field_of(info) == {"name"}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": "", "description": "x"}, "name"),
    ({"name": "A", "description": "  "}, "description"),
    ({"name": "A", "description": "x", "slug": "Bad Slug"}, "slug"),
    ({"name": "A", "description": "x", "profile": {"blob": "x" * JSON_MAX_CHARS}}, "profile"),
])
def test_organization_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InvalidInput) as info:
        organization_create(by=SYSTEM, **kwargs)
    assert field_of(info) == {field}


def test_organization_update_records_before_and_after(org):
    organization_update(organization=org, by=SYSTEM, industry="bakery")
    event = AuditEvent.objects.get(target_id=str(org.pk), action="update")
    assert event.changes == {"industry": ["retail", "bakery"]}


def test_roles_are_scoped_and_protected(org, agent):
    role = role_create(organization=org, name="Buyer", slug="buyer", by=SYSTEM,
                       default_goals=[{"name": "Buy well", "priority": 60}],
                       default_beliefs=[{"key": "budget", "value": 10, "confidence": 0.5}])
    assert role.default_goals[0]["kind"] == "achieve"
    with pytest.raises(InvalidInput) as info:
        role_create(organization=org, name="Buyer 2", slug="buyer", by=SYSTEM)
    assert field_of(info) == {"slug"}
    role_create(organization=OrganizationFactory(), name="Buyer", slug="buyer", by=SYSTEM)
    with pytest.raises(InvalidInput) as info:
        role_create(organization=org, name="X", slug="x", by=SYSTEM,
                    default_beliefs=[{"key": "a", "value": 1, "confidence": 2}])
    assert field_of(info) == {"default_beliefs"}
    with pytest.raises(Conflict):
        role_delete(role=agent.role, by=SYSTEM)

