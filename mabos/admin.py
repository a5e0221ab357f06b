"""Runtime setting overrides in the admin: the same validation, service and audit as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.roles import is_administrator
from mabos.models import RuntimeOverride
from mabos.runtime_settings import (
    RUNTIME_SETTINGS,
    InvalidSetting,
    environment_value,
    runtime_setting_clean,
    runtime_setting_clear,
    runtime_setting_set,
)


class RuntimeOverrideForm(forms.ModelForm):
    """The value is typed as text and parsed by the schema's rules, like the environment's."""

    name = forms.ChoiceField(choices=[(s.name, s.name) for s in RUNTIME_SETTINGS])
    value = forms.CharField(help_text="Parsed like the environment variable: e.g. 9, 2.5.")

    class Meta:
        model = RuntimeOverride
        fields = ["name", "value"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].disabled = True
            self.initial["value"] = str(self.instance.value)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name, value = data.get("name"), data.get("value")
        if name and value is not None:
            try:
                data["value"] = runtime_setting_clean(name=name, value=value)
            except InvalidSetting as exc:
                raise ValidationError({"value": exc.detail}) from None
        return data

    def validate_unique(self) -> None:
        """Saving an existing name updates its override (the service decides), so no unique error here."""


@admin.register(RuntimeOverride)
class RuntimeOverrideAdmin(admin.ModelAdmin):
    form = RuntimeOverrideForm
    list_display = ["name", "value", "environment", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]

    @admin.display(description="environment's value")
    def environment(self, obj: RuntimeOverride) -> Any:
        return environment_value(obj.name)

    def has_module_permission(self, request) -> bool:
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user)

    def has_add_permission(self, request) -> bool:
        return is_administrator(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user)

    def save_model(self, request, obj: RuntimeOverride, form, change: bool) -> None:
        saved = runtime_setting_set(name=form.cleaned_data["name"], value=form.cleaned_data["value"],
                                    by=request.user)
        obj.pk, obj.value = saved.pk, saved.value

    def delete_model(self, request, obj: RuntimeOverride) -> None:
        runtime_setting_clear(name=obj.name, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            runtime_setting_clear(name=obj.name, by=request.user)
