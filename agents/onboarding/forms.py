"""The admin's onboarding form: the same fields as the API's onboard input."""

from __future__ import annotations

from typing import Any

from django import forms

from agents.common.limits import LABEL_MAX, NAME_MAX, TEXT_MAX
from agents.onboarding.services import SIZES
from agents.organization.services.roles import role_templates


class OnboardForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    industry = forms.CharField(max_length=LABEL_MAX, required=False)
    description = forms.CharField(widget=forms.Textarea, max_length=TEXT_MAX)
    size = forms.ChoiceField(choices=[(s, s) for s in SIZES], initial="small")
    markets = forms.CharField(required=False, help_text="Comma-separated.")
    products = forms.CharField(required=False, help_text="Comma-separated.")
    roles = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(slug, t["name"]) for slug, t in role_templates().items()]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("markets", "products"):
            data[name] = [part.strip() for part in data[name].split(",") if part.strip()]
        return data
