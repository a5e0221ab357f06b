"""URL path versioning: /api/v1/...; any other version is a JSON 404."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.versioning import URLPathVersioning


class PathVersioning(URLPathVersioning):
    """An unknown version is a missing resource (404), not a bad request."""

    invalid_version_message = "Unknown API version."

    def determine_version(self, request, *args, **kwargs):
        version = kwargs.get(self.version_param, self.default_version)
        if version is None:
            version = self.default_version
        if not self.is_allowed_version(version):
            raise exceptions.NotFound(self.invalid_version_message)
        return version
