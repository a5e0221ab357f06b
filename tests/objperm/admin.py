from django.contrib import admin

from accounts.admin_permissions import ObjectPermissionAdminMixin
from tests.objperm.models import Box, Widget


@admin.register(Box)
class BoxAdmin(ObjectPermissionAdminMixin, admin.ModelAdmin):
    list_display = ["name"]


@admin.register(Widget)
class WidgetAdmin(ObjectPermissionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "box"]
