"""API writes to staff members, read through the very forms Settings → Staff uses.

As for clients (see client_input.py): the JSON's shape is checked by the serializer, the values by
the page's form (StaffAddForm, the roles checkboxes of StaffRolesForm), then by the action and the
model, so the API and the page answer the same input with the same messages under the same keys
(`email`, `full_name`, `roles`). The rules (an email already taken, the last active Admin, one's own
account) are the actions' alone.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from clientdesk.accounts.staff_forms import StaffAddForm, StaffRolesForm


def new_member_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The email, name and roles as Add staff member cleans them; ValidationError with the page's errors."""
    form = StaffAddForm(
        {"email": values.get("email", ""), "full_name": values.get("full_name", ""), "roles": values.get("roles", [])}
    )
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    return {name: form.cleaned_data[name] for name in ("email", "full_name", "roles")}


def role_values(roles: Sequence[str]) -> list[str]:
    """The roles as the member page's checkboxes clean them (none is allowed); ValidationError keyed `roles`."""
    try:
        return list(StaffRolesForm.base_fields["roles"].clean(list(roles)))
    except forms.ValidationError as exc:
        raise ValidationError({"roles": exc.messages}) from None
