"""Top-level URLs: admin, versioned API, health."""

from django.contrib import admin
from django.urls import path

from mabos.api.views import ApiRootV1
from mabos.health import views as health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", ApiRootV1.as_view(), name="api-root-v1"),
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
]
