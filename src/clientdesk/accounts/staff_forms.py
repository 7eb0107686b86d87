"""Shapes of Settings → Staff input and of the set-password page. The rules live in the actions."""

import json
from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from clientdesk.accounts.actions.staff import ROLE_REQUIRED
from clientdesk.core.contract import Role
from clientdesk.core.forms import StyledFormMixin


class RolesField(forms.MultipleChoiceField):
    """The shipped roles, as checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(role.value, role.value) for role in Role], **kwargs)


class _CheckboxRoles(StyledFormMixin):
    """Checkboxes look like checkboxes (the mixin would style the group as one text input)."""

    def style_widgets(self) -> None:
        super().style_widgets()
        self.fields["roles"].widget.attrs["class"] = "form-check-input"


class StaffAddForm(_CheckboxRoles, forms.Form):
    """A new staff member: name, email and roles (they set their own password from a link)."""

    full_name = forms.CharField(label="Name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    roles = RolesField(error_messages={"required": ROLE_REQUIRED})


class StaffRolesForm(_CheckboxRoles, forms.Form):
    """A member's roles, and (hidden) the roles the page showed, so a change made meanwhile is not overwritten."""

    roles = RolesField(required=False, help_text="A member with no role can sign in but sees nothing.")
    loaded = forms.CharField(widget=forms.HiddenInput)

    @staticmethod
    def shown(roles: list[str]) -> str:
        """The `loaded` value of a form showing `roles`."""
        return json.dumps(sorted(roles))

    def clean_loaded(self) -> list[str]:
        try:
            loaded = json.loads(self.cleaned_data["loaded"])
        except ValueError:
            loaded = None
        if not isinstance(loaded, list) or not all(isinstance(name, str) for name in loaded):
            raise forms.ValidationError("This form is out of date: reload the page and try again.")
        return loaded


class StaffSetPasswordForm(StyledFormMixin, SetPasswordForm):
    """The new password twice, checked by Django's password validators for this member."""
