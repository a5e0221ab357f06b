"""/api/v1/ routes of organizations (with onboarding) and roles."""

from django.urls import path

from agents.organization.api.organizations import OrganizationDetailApi, OrganizationListApi, OrganizationOnboardApi
from agents.organization.api.roles import RoleDetailApi, RoleListApi

urlpatterns = [
    path("organizations/", OrganizationListApi.as_view(), name="organization-list"),
    path("organizations/onboard/", OrganizationOnboardApi.as_view(), name="organization-onboard"),
    path("organizations/<uuid:pk>/", OrganizationDetailApi.as_view(), name="organization-detail"),
    path("roles/", RoleListApi.as_view(), name="role-list"),
    path("roles/<uuid:pk>/", RoleDetailApi.as_view(), name="role-detail"),
]
