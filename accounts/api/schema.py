"""OpenAPI: document MABOS's JWT authentication as the bearer scheme it is."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class MabosJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "Access token from POST /api/v1/auth/token/ (30 minutes by default), sent as "
            "`Authorization: Bearer <access>`. Renew with /api/v1/auth/token/refresh/ (rotation: "
            "each refresh token works once). HS256, with `aud`, `iss` and a `kid` header."
        )
        return definition
