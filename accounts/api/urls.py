"""/api/v1/auth/... and /api/v1/permissions/..."""

from django.urls import path

from accounts.api import views_auth, views_permissions, views_sessions

urlpatterns = [
    path("auth/token/", views_auth.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", views_auth.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", views_auth.LogoutApi.as_view(), name="auth-logout"),
    path("auth/me/", views_auth.MeApi.as_view(), name="auth-me"),
    path("auth/sessions/", views_sessions.SessionListApi.as_view(), name="auth-sessions"),
    path("auth/sessions/revoke-all/", views_sessions.SessionRevokeAllApi.as_view(), name="auth-sessions-revoke-all"),
    path("auth/sessions/<uuid:pk>/", views_sessions.SessionDetailApi.as_view(), name="auth-session-detail"),
    path("permissions/", views_permissions.PermissionListGrantApi.as_view(), name="permissions"),
    path("permissions/revoke/", views_permissions.PermissionRevokeApi.as_view(), name="permissions-revoke"),
]
