"""The project's URLs plus the test-only resource (use with @pytest.mark.urls)."""

from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urls
from tests.objperm.api import test_routes

urlpatterns = [path("api/v1/test/", include(test_routes)), *project_urls]
