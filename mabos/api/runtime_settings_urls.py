from django.urls import path

from mabos.api.runtime_settings import RuntimeSettingDetailApi, RuntimeSettingListApi

urlpatterns = [
    path("", RuntimeSettingListApi.as_view(), name="runtime-setting-list"),
    path("<str:name>/", RuntimeSettingDetailApi.as_view(), name="runtime-setting-detail"),
]
