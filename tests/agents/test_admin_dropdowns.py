"""Every agent dropdown of the admin names the organization when names repeat, and inline titles name things
(issue 19, part 4).

Cross-cutting, so it sits in tests/agents/ itself: the dropdowns belong to many packages' admins (agent,
keys, supervision, ...), and one walk over every project admin and inline finds them all, so a new form
with an agent dropdown is checked the day it is registered.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.urls import reverse

from agents.common.forms import QualifiedChoiceField, QualifiedMultipleChoiceField
from agents.models import Agent
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from tests.support.actors import SYSTEM
from tests.support.admin import staff_client
from tests.support.admin_forms import project_admins
from tests.support.api import create_user
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _writable(model_admin, request) -> bool:
    """A form a person fills (a read-only screen shows no dropdown)."""
    if isinstance(model_admin, admin.options.InlineModelAdmin):
        return model_admin.has_add_permission(request, None) or model_admin.has_change_permission(request, None)
    return model_admin.has_add_permission(request) or model_admin.has_change_permission(request)


def _forms(request):
    for label, model_admin in project_admins().items():
        if _writable(model_admin, request):
            yield label, model_admin.get_form(request, None)
        for inline_class in model_admin.inlines:
            inline = inline_class(model_admin.model, admin.site)
            if _writable(inline, request):
                yield f"{label} inline {inline_class.__name__}", inline.get_formset(request, None).form


def test_every_agent_choice_field_of_the_admin_is_qualified():
    request = RequestFactory().get("/admin/")
    request.user = create_user("dropdown-admin", is_staff=True, is_superuser=True)
    found = []
    for where, form in _forms(request):
        for name, field in form.base_fields.items():
            if isinstance(field, ModelChoiceField) and field.queryset.model is Agent:
                assert isinstance(field, QualifiedChoiceField | QualifiedMultipleChoiceField), \
                    f"{where}.{name} lists agents by bare name"
                found.append(f"{where}.{name}")
    assert {"agents.Agent.supervisor", "agents.AgentApiKey.agent", "agents.SupervisorPolicy.escalate_agent"} \
        <= set(found), found


def test_a_qualified_dropdown_names_the_organization_only_where_names_repeat():
    first, second = OrganizationFactory(name="Demo Online Retailer"), OrganizationFactory(name="Demo Bakery")
    twins = [AgentFactory(organization=org, name="CEO") for org in (first, second)]
    alone = AgentFactory(organization=first, name="CFO")
    field = QualifiedChoiceField(queryset=Agent.objects.filter(pk__in=[a.pk for a in [*twins, alone]]))
    labels = {str(value): label for value, label in field.choices if value}
    assert labels == {str(twins[0].pk): "CEO — Demo Online Retailer", str(twins[1].pk): "CEO — Demo Bakery",
                      str(alone.pk): "CFO"}


def test_the_inline_titles_of_a_plans_page_name_the_version_not_an_id():
    """Inline titles never show raw UUIDs (issue 19, part 4): a plan's versions read "version 1 of plan …"."""
    org = OrganizationFactory()
    [document] = text_to_plans("@sell_stock +!sell <- +sold(true).")
    plan = plan_create(document=document, organization=org, role=None, by=SYSTEM)
    user = create_user("titles-admin", is_staff=True, is_superuser=True)
    page = staff_client(user).get(reverse("admin:agents_plan_change", args=[plan.pk])).content.decode()
    titles = re.findall(r'<td class="original">\s*<p>\s*(.*?)\s*</p>', page, re.S)
    assert titles == ["version 1 of plan sell_stock"], titles
