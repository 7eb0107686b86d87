"""Small template filters for the desk."""

from typing import Any

from django import template

register = template.Library()

LABELS = {"id_code": "Client ID", "address1": "Address 1", "address2": "Address 2", "tax_id": "Tax ID"}


@register.filter
def field_label(name: str) -> str:
    """`postal_code` → `Postal code` (for audit rows)."""
    return LABELS.get(name) or name.replace("_", " ").capitalize()


@register.filter
def audit_value(value: Any) -> str:
    """An audit value as staff read it: Yes/No for booleans, — for blanks."""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value in (None, ""):
        return "—"
    return str(value)
