"""The shape of a new API token, as the API tokens page asks for it."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from clientdesk.api.models import ApiToken
from clientdesk.core.forms import StyledFormMixin

EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")]


class TokenCreateForm(StyledFormMixin, forms.Form):
    """Name, scope and lifetime of a new token."""

    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What will use it, e.g. billing-sync. The audit log names the token by it.",
    )
    read_only = forms.BooleanField(
        required=False, label="Read-only", help_text="It can read what you can read, and change nothing."
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, initial="90", label="Expires")

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None
