"""Input and output shapes of the accounts API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User, UserSession
from config.settings.security import PASSWORD_MAX_LENGTH
from mabos.api.serializers import InputSerializer


class TokenObtainInput(InputSerializer):
    username = serializers.CharField(max_length=150)
    # Capped before hashing: no hashing-DoS with a megabyte "password".
    password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False,
                                     style={"input_type": "password"})


class RefreshInput(InputSerializer):
    refresh = serializers.CharField(max_length=4096)


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    access_expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    session_id = serializers.UUIDField()


class MeOutput(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "is_staff", "is_superuser",
                  "last_login", "date_joined", "roles"]

    def get_roles(self, user: User) -> list[str]:
        return sorted(g.name for g in user.groups.all())


class SessionOutput(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = ["id", "kind", "ip_address", "user_agent", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, session: UserSession) -> bool:
        return str(session.id) == str(self.context.get("current_session_id"))


class RevokeAllOutput(serializers.Serializer):
    revoked = serializers.IntegerField()
