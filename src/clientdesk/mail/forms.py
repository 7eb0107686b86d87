"""The shape of Email Client input and of the Mail Log's filters. The rules live in the actions."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_prose_editor.widgets import importmap as prose_editor_importmap
from js_asset import Media, Script

from clientdesk.clients.models import Contact
from clientdesk.core.forms import StyledFormMixin, apply_validation_error
from clientdesk.mail.actions import NAME_MAX, split_addresses
from clientdesk.mail.models import SUBJECT_MAX, MailStatus, TemplateAction
from clientdesk.mail.queries import contact_label


class Recipient(models.TextChoices):
    """Whom Email Client writes to."""

    CONTACT = "contact", "A contact"
    OTHER = "other", "Another address"


class MessageEditor(forms.Textarea):
    """The HTML of a message: a WYSIWYG editor over a textarea (which stays, and works, without JavaScript)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"rows": 12, "data-mail-editor": "", **(attrs or {})})

    @property
    def media(self) -> Media:
        """The editor's module and styles, all served from the desk; render with `{% csp_nonce_attr form.media %}`."""
        return Media(
            importmap=prose_editor_importmap,
            css={
                "all": [
                    "django_prose_editor/material-icons.css",
                    "django_prose_editor/editor.css",
                    "clientdesk/mail.css",
                ]
            },
            js=[Script("clientdesk/mail_compose.js", type="module")],
        )


class EmailForm(StyledFormMixin, forms.Form):
    """Email Client (and Resend): recipient, from, CC, BCC, subject, HTML and text.

    Header fields keep what was typed (`strip=False`), so a line break anywhere in them reaches the
    action and is refused there, never trimmed away here.
    """

    recipient = forms.ChoiceField(choices=Recipient.choices, widget=forms.RadioSelect, label="Recipient")
    contact = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label="Contact",
        error_messages={"invalid_choice": "Choose one of the client's contacts."},
    )
    to = forms.CharField(
        label="Other address",
        required=False,
        strip=False,
        help_text="One or more addresses, separated by commas.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    from_name = forms.CharField(label="From name", max_length=NAME_MAX, required=False, strip=False)
    from_email = forms.CharField(
        label="From email",
        strip=False,
        error_messages={"required": "Enter an address."},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    cc = forms.CharField(
        label="CC", required=False, strip=False, help_text="Separate addresses with commas.", widget=forms.TextInput()
    )
    bcc = forms.CharField(
        label="BCC", required=False, strip=False, help_text="Separate addresses with commas.", widget=forms.TextInput()
    )
    subject = forms.CharField(max_length=SUBJECT_MAX, strip=False, error_messages={"required": "Enter a subject."})
    html = forms.CharField(label="Message", required=False, strip=False, widget=MessageEditor())
    text = forms.CharField(
        label="Text part",
        required=False,
        strip=False,
        help_text="Plain text for mail programs that do not show HTML. Left empty, it is made from the message.",
        widget=forms.Textarea(attrs={"rows": 12, "class": "mail-text-body"}),
    )

    def __init__(self, *args: Any, contacts: Sequence[Contact] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contacts = {contact.pk: contact for contact in contacts}
        field = self.fields["contact"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(pk, contact_label(contact)) for pk, contact in self.contacts.items()]
        if not self.contacts:
            field.choices = [("", "This client has no contact with an address")]
            field.widget.attrs["disabled"] = True

    def style_widgets(self) -> None:
        super().style_widgets()
        self.fields["recipient"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        """Whom the email goes to: the chosen contact's address, or the other addresses as typed."""
        data = super().clean() or {}
        if data.get("recipient") == Recipient.CONTACT:
            contact = self.contacts.get(data.get("contact") or 0)
            if contact is None and "contact" not in self.errors:
                self.add_error("contact", "Choose a contact.")
            elif contact is not None:
                data["to_addresses"] = [contact.email]
        elif data.get("recipient") == Recipient.OTHER:
            if not (data.get("to") or "").strip():
                self.add_error("to", "Enter an address.")
            else:
                data["to_addresses"] = split_addresses(data["to"])
        return data

    def apply_action_error(self, error: ValidationError) -> None:
        """Put the action's errors on the fields they concern (the To addresses on whichever field gave them)."""
        if (
            hasattr(error, "error_dict")
            and "to" in error.error_dict
            and self.cleaned_data.get("recipient") == "contact"
        ):
            error = ValidationError(
                {("contact" if key == "to" else key): value for key, value in error.error_dict.items()}
            )
        apply_validation_error(error, self)


class MailLogFilterForm(forms.Form):
    """The staff-wide Mail Log's filters: status, template, days."""

    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *[(s.value, s.label) for s in MailStatus]], label="Status"
    )
    template = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any email"),
            ("manual", "Written by staff"),
            *[(a.value, a.label) for a in TemplateAction],
        ],
        label="Email",
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "Pick a day on or after the first.")
        return data

    def filters(self) -> dict[str, Any]:
        """The filters to apply: those that are valid (an invalid one is shown with its error and ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "",
            "template_action": data.get("template") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }
