"""How audit events read in the History view: codes, field names and values as words."""

import re
from functools import cache
from typing import Any

from django import template
from django.apps import apps
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from clientdesk.audit.codes import label_for

register = template.Library()
_MODEL_REFERENCE = re.compile(r" \(#\d+\)$")  # how audit.diff names a related row: "General (#3)"


@register.filter
def action_label(code: str) -> str:
    """`client.status` → `Changed status` (the label its app's enum declares)."""
    return label_for(code)


def _model(target_model: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_model) if target_model else None
    except (LookupError, ValueError):
        return None


@cache
def _field(target_model: str, name: str) -> Any:
    """The model field a change names: the target's own, else one of the rows that belong to it."""
    model = _model(target_model)
    candidates = [model] if model else []
    if model:
        candidates += [rel.related_model for rel in model._meta.related_objects if rel.one_to_many]
    for candidate in candidates:
        try:
            field = candidate._meta.get_field(name)
        except Exception:  # noqa: S112 - FieldDoesNotExist, or a relation without a name
            continue
        if getattr(field, "verbose_name", None):
            return field
    return None


@register.filter
def field_label(name: str, target_model: str = "") -> str:
    """A changed field's name as its model spells it: `postal_code` → `Postal code`, `id_code` → `Client ID`."""
    field = _field(target_model, name)
    return str(capfirst(field.verbose_name)) if field is not None else name.replace("_", " ").capitalize()


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


def value_words(value: Any, target_model: str = "", name: str = "") -> str:
    """One stored value in words: the model's own words for it (its `audit_display`, then the field's
    choices), a related row without its id, Yes/No, — for blanks."""
    display = getattr(_model(target_model), "audit_display", None)
    if display is not None and value not in (None, "") and (shown := display(name, value)) is not None:
        return str(shown)
    field = _field(target_model, name)
    if field is not None and getattr(field, "choices", None) and isinstance(value, str | int):
        choices = dict(field.flatchoices)
        if value in choices:
            return str(choices[value])
    if isinstance(value, str) and _MODEL_REFERENCE.search(value):
        return _MODEL_REFERENCE.sub("", value)
    return audit_value(value)


@register.simple_tag
def audit_change(event: Any, name: str, values: Any) -> str:
    """One changed field of an event as HTML: its label, then before → after in words.

    A list (a contact's phone numbers) shows only the items removed and the items added.
    """
    before, after = [*values, None, None][:2] if isinstance(values, list) else (None, values)
    target = event.target_model
    label = format_html('<span class="text-body-secondary">{}</span>: ', field_label(name, target))
    if isinstance(before, list) or isinstance(after, list):
        old, new = before or [], after or []
        parts = [("del", item) for item in old if item not in new] + [("ins", item) for item in new if item not in old]
        changed = format_html_join("; ", "<{0}>{1}</{0}>", parts) if parts else "—"
        return format_html("{}{}", label, changed)
    if before is None:
        return format_html("{}<ins>{}</ins>", label, value_words(after, target, name))
    return format_html(
        "{}<del>{}</del> → <ins>{}</ins>", label, value_words(before, target, name), value_words(after, target, name)
    )
