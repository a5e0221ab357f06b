"""Admin form helpers: the admins this project registers, and a form submitted the way its page would submit it.

``submit`` GETs an admin page, reads its form out of the HTML (every input, select and textarea with the
value the page gives it, the inlines' management forms included), lays the fields a person fills over it and
POSTs the result. A form is so tested with what the page really holds, not with a dict that drifts from it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.test import Client

#: The project's own apps: each ModelAdmin registered for one of their models is the project's to test.
PROJECT_APPS = ("accounts", "agents", "auditlog", "mabos")


def project_admins() -> dict[str, admin.ModelAdmin]:
    """Model label -> ModelAdmin, for every model of the project's apps and every ModelAdmin the project
    defines (accounts' RoleAdmin replaces Django's for ``auth.Group``); third-party admins (axes,
    simplejwt's blacklist) and test apps are not the project's."""
    found = {}
    for model, model_admin in admin.site._registry.items():
        admin_module = type(model_admin).__module__.split(".")[0]
        if model._meta.app_label in PROJECT_APPS or admin_module in PROJECT_APPS:
            found[model._meta.label] = model_admin
    return found


def admin_url(model: type[Model] | Model, view: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class _FormReader(HTMLParser):
    """The fields of one ``<form>`` as a browser would submit them (the submit buttons left out)."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.forms: list[dict[str, list[str]]] = []
        self.ids: list[str | None] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict[str, str] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append(self._fields)
            self.ids.append(attr.get("id"))
            return
        if self._fields is None or "disabled" in attr:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                self._fields.setdefault(name, [])
                return
            self._fields.setdefault(name, []).append(attr.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._multiple = "multiple" in attr
            self._fields.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            self._option, self._option_text = attr, ""
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "textarea" and self._textarea is not None and self._fields is not None:
            self._fields.setdefault(self._textarea, []).append(self._text.removeprefix("\n"))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value = self._option.get("value", self._option_text.strip())
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option and self._fields is not None:
                self._fields[self._select].append(value)
                self._select_chosen = True
            self._option = None
        elif tag == "select" and self._select is not None and self._fields is not None:
            if not self._select_chosen and not self._multiple and self._select_first is not None:
                self._fields[self._select].append(self._select_first)  # a browser sends the first option
            self._select = None


def page_form(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    """The fields of the page's form ``form_id``; without one, of its only POST form that is not the logout."""
    reader = _FormReader(form_id)
    reader.feed(html)
    candidates = [fields for fields, found_id in zip(reader.forms, reader.ids, strict=True)
                  if (found_id == form_id if form_id else "csrfmiddlewaretoken" in fields and found_id != "logout-form")]
    assert len(candidates) == 1, f"expected one form {form_id or '(the page form)'}; found ids {reader.ids}"
    return candidates[0]


def submit(client: Client, url: str, fields: dict[str, Any], *, form_id: str | None = None,
           button: str = "_save") -> Any:
    """GET ``url``, fill its form with ``fields`` (a list for a multiple choice, None to clear), POST it."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    data = page_form(page.content.decode(), form_id)
    for name, value in fields.items():
        data[name] = [] if value is None else [str(v) for v in value] if isinstance(value, list | tuple) \
            else [str(value)]
    if button:
        data[button] = ["Save"]
    return client.post(url, {name: values for name, values in data.items() if values})


def form_errors(response: Any) -> str:
    """The errors an admin form page shows, for an assertion's message."""
    import re

    if response.status_code != 200:
        return f"answered {response.status_code}"
    html = response.content.decode()
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return "; ".join(re.sub(r"<[^>]+>", " ", item).strip() for item in found) or "no error shown (200)"
