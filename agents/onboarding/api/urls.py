"""/api/v1/ routes of onboarding."""

from django.urls import path

from agents.onboarding.api.onboard import OrganizationOnboardApi

urlpatterns = [
    path("organizations/onboard/", OrganizationOnboardApi.as_view(), name="organization-onboard"),
]
