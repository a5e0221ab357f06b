"""Choice fields that tell apart objects of the same name in different organizations.

Every organization onboarded from the same template has a "CEO": a dropdown of agents that lists three
"CEO" options tells a person nothing. These fields label an object by its name, and by its name and its
organization ("CEO — Demo Online Retailer") when another choice has the same name. The choices are read
once (with their organization, one query), so telling duplicates apart costs nothing more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue

#: Between a name and its organization, in every label that needs both.
SEPARATOR = " — "


def qualified_labels(objects: list[Model], label: Callable[[Model], str] = str) -> dict[Any, str]:
    """pk -> ``label(obj)`` (its ``str``), followed by its organization's name when another object has the
    same name."""
    names = Counter(str(obj) for obj in objects)
    labels = {}
    for obj in objects:
        text = label(obj)
        organization = getattr(obj, "organization", None)
        if names[str(obj)] > 1 and organization is not None:
            text = f"{text}{SEPARATOR}{organization}"
        labels[obj.pk] = text
    return labels


def with_organization(queryset: QuerySet) -> QuerySet:
    """The queryset with its organization joined, when its model has one (else unchanged)."""
    fields = {field.name for field in queryset.model._meta.get_fields() if field.is_relation}
    return queryset.select_related("organization") if "organization" in fields else queryset


class QualifiedChoiceIterator(ModelChoiceIterator):
    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        objects = list(with_organization(self.queryset))
        labels = qualified_labels(objects, self.field.label_from_instance)
        for obj in objects:
            yield (ModelChoiceIteratorValue(self.field.prepare_value(obj), obj), labels[obj.pk])


class QualifiedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose labels name the organization when names repeat (see the module)."""

    iterator = QualifiedChoiceIterator


class QualifiedMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = QualifiedChoiceIterator


def qualified_formfield_kwargs(db_field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The admin's formfield kwargs, with the qualified field class for a relation to a model that belongs to
    an organization (an agent: every agent dropdown of the admin)."""
    related = getattr(db_field, "related_model", None)
    if related is not None and any(field.name == "organization" for field in related._meta.get_fields()
                                   if field.is_relation and field.many_to_one):
        many = getattr(db_field, "many_to_many", False)
        kwargs.setdefault("form_class", QualifiedMultipleChoiceField if many else QualifiedChoiceField)
    return kwargs
