"""/api/v1/auth/... and /api/v1/permissions/..."""

from django.urls import path

from accounts.api import me, permissions, sessions, tokens

urlpatterns = [
    path("auth/token/", tokens.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", tokens.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", tokens.LogoutApi.as_view(), name="auth-logout"),
    path("auth/me/", me.MeApi.as_view(), name="auth-me"),
    path("auth/sessions/", sessions.SessionListApi.as_view(), name="auth-sessions"),
    path("auth/sessions/revoke-all/", sessions.SessionRevokeAllApi.as_view(), name="auth-sessions-revoke-all"),
    path("auth/sessions/<uuid:pk>/", sessions.SessionDetailApi.as_view(), name="auth-session-detail"),
    path("permissions/", permissions.PermissionListGrantApi.as_view(), name="permissions"),
    path("permissions/revoke/", permissions.PermissionRevokeApi.as_view(), name="permissions-revoke"),
]
