"""How audit events read in the History view: codes, field names and values as words."""

from functools import cache
from typing import Any

from django import template
from django.apps import apps
from django.db import models
from django.utils.text import capfirst

from clientdesk.audit.codes import label_for

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """`client.status` → `Status changed` (the label its app's enum declares)."""
    return label_for(code)


@cache
def _label(target_model: str, name: str) -> str:
    try:
        model: type[models.Model] | None = apps.get_model(target_model) if target_model else None
    except (LookupError, ValueError):
        model = None
    # The target's own fields, then those of the rows that belong to it (a client's contacts).
    candidates = [model] if model else []
    if model:
        candidates += [rel.related_model for rel in model._meta.related_objects if rel.one_to_many]
    for candidate in candidates:
        try:
            field = candidate._meta.get_field(name)
        except Exception:  # noqa: S112 - FieldDoesNotExist, or a relation without a name
            continue
        if verbose := getattr(field, "verbose_name", None):
            return str(capfirst(verbose))
    return name.replace("_", " ").capitalize()


@register.filter
def field_label(name: str, target_model: str = "") -> str:
    """A changed field's name as its model spells it: `postal_code` → `Postal code`, `id_code` → `Client ID`."""
    return _label(target_model, name)


@register.filter
def audit_value(value: Any) -> str:
    """An audit value as staff read it: Yes/No for booleans, — for blanks, lists joined."""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
