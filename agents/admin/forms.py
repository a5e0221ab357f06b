"""Admin forms: turn domain errors into form errors on the field they name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from agents.services.onboarding import SIZES
from agents.services.roles import role_templates
from mabos.errors import DomainError


def apply_domain_error(form: forms.Form, exc: DomainError) -> None:
    fields = getattr(exc, "fields", None) or {}
    if not fields:
        form.add_error(None, exc.detail)
    for name, messages in fields.items():
        field = name.split(".")[0].split("[")[0]  # a path inside a JSON field (config.model) names the field
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message if target == name else f"{name}: {message}")


def run_service(form: forms.Form, call: Callable[[], Any]) -> Any:
    """Call a service; a domain error becomes a form error (and None is returned)."""
    try:
        return call()
    except DomainError as exc:
        apply_domain_error(form, exc)
        return None


class OnboardForm(forms.Form):
    name = forms.CharField(max_length=200)
    industry = forms.CharField(max_length=100, required=False)
    description = forms.CharField(widget=forms.Textarea, max_length=5000)
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


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
