from django.urls import path

from auditlog.api.views import AuditEventListApi

urlpatterns = [
    path("events/", AuditEventListApi.as_view(), name="audit-event-list"),
]
