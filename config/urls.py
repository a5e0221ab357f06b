"""Top-level URLs: admin, versioned API, health."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mabos.api.views import ApiRootV1
from mabos.health import views as health
from mabos.metrics.exposition import metrics_view

urlpatterns = [
    # Where a person who opens the bare address wants to be: the operator's console.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="root"),
    path("admin/", admin.site.urls),
    path("api/v1/", ApiRootV1.as_view(), name="api-root-v1"),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("agents.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/audit/", include("auditlog.api.urls")),
    path("api/v1/settings/", include("mabos.runtime_settings.api.urls")),
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("metrics", metrics_view, name="metrics"),
]

# Errors outside DRF views (unknown URL or API version, CSRF, oversized bodies) are JSON under /api/.
handler400 = "mabos.api.http_errors.bad_request"
handler403 = "mabos.api.http_errors.permission_denied"
handler404 = "mabos.api.http_errors.page_not_found"
handler500 = "mabos.api.http_errors.server_error"
