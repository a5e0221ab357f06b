"""A minimal resource built the way every MABOS resource is: selectors for reads, services for writes."""

from __future__ import annotations

from django.db import transaction
from django.urls import path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.object_permissions import (
    CHANGE,
    OPERATE,
    VIEW,
    object_get_for_user,
    objects_for_user,
    require_object_permission,
)
from auditlog.models import Action
from auditlog.services import audit_record
from mabos.api.pagination import PageNumberPagination
from mabos.api.serializers import InputSerializer
from tests.objperm.models import Widget


class WidgetOutput(serializers.ModelSerializer):
    box = serializers.CharField(source="box.name")

    class Meta:
        model = Widget
        fields = ["id", "name", "box"]


class WidgetInput(InputSerializer):
    name = serializers.CharField(max_length=100)


def widget_list(*, user):
    return objects_for_user(user, Widget.objects.select_related("box"), VIEW).order_by("id")


@transaction.atomic
def widget_rename(*, widget: Widget, name: str, by) -> Widget:
    before = widget.name
    widget.name = name
    widget.save(update_fields=["name"])
    audit_record(action=Action.UPDATE, actor=by, target=widget, changes={"name": [before, name]})
    return widget


class WidgetListApi(APIView):
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(widget_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(WidgetOutput(page, many=True).data)


class WidgetDetailApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        return Response(WidgetOutput(object_get_for_user(request.user, widget_list(user=request.user), pk)).data)

    def patch(self, request: Request, pk: int) -> Response:
        widget = object_get_for_user(request.user, widget_list(user=request.user), pk)
        require_object_permission(request.user, CHANGE, widget)
        data = WidgetInput.parse(request.data)
        return Response(WidgetOutput(widget_rename(widget=widget, by=request.user, **data)).data)


class WidgetOperateApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        widget = object_get_for_user(request.user, widget_list(user=request.user), pk)
        require_object_permission(request.user, OPERATE, widget)
        return Response({"operated": widget.pk})


test_routes = [
    path("widgets/", WidgetListApi.as_view()),
    path("widgets/<int:pk>/", WidgetDetailApi.as_view()),
    path("widgets/<int:pk>/operate/", WidgetOperateApi.as_view()),
]
