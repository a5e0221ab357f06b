from django.urls import path

from mabos.runtime_settings.api.views import RuntimeSettingDetailApi, RuntimeSettingListApi

urlpatterns = [
    path("", RuntimeSettingListApi.as_view(), name="runtime-setting-list"),
    path("<str:name>/", RuntimeSettingDetailApi.as_view(), name="runtime-setting-detail"),
]
