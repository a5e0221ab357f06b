from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Box(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        permissions = [("operate_box", "Can operate box")]

    def __str__(self) -> str:
        return self.name


class Widget(models.Model):
    box = models.ForeignKey(Box, on_delete=models.CASCADE, related_name="widgets")
    name = models.CharField(max_length=100)

    class Meta:
        permissions = [("operate_widget", "Can operate widget")]

    def __str__(self) -> str:
        return self.name


class BoxUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Box, on_delete=models.CASCADE)


class BoxGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Box, on_delete=models.CASCADE)


class WidgetUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Widget, on_delete=models.CASCADE)


class WidgetGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Widget, on_delete=models.CASCADE)
