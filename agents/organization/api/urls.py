"""/api/v1/ routes of organizations and roles."""

from django.urls import path

from agents.organization.api.organizations import OrganizationDetailApi, OrganizationListApi
from agents.organization.api.roles import RoleDetailApi, RoleListApi

urlpatterns = [
    path("organizations/", OrganizationListApi.as_view(), name="organization-list"),
    path("organizations/<uuid:pk>/", OrganizationDetailApi.as_view(), name="organization-detail"),
    path("roles/", RoleListApi.as_view(), name="role-list"),
    path("roles/<uuid:pk>/", RoleDetailApi.as_view(), name="role-detail"),
]
