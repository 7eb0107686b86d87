"""The shape of email template input. The rules (and the sandbox check) live in `template_actions`."""

from datetime import datetime
from typing import Any

from django import forms

from clientdesk.core.forms import StyledFormMixin
from clientdesk.mail.models import EmailTemplate

CODE = {"class": "font-monospace", "spellcheck": "false", "autocapitalize": "off", "autocomplete": "off"}
UNREADABLE = "This form could not be read back. Open the template again and make your change again."


class EmailTemplateForm(StyledFormMixin, forms.Form):
    """Edit an email template: subject, HTML, text, active.

    The form carries the `updated_at` it was loaded with (`loaded_at`), so a save over someone else's
    newer one is refused rather than silently undoing it.
    """

    subject = forms.CharField(
        error_messages={"required": "Enter a subject."},
        widget=forms.TextInput(attrs={**CODE, "class": "font-monospace"}),
    )
    html = forms.CharField(
        label="HTML",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={**CODE, "rows": 14}),
        help_text="Paragraphs, headings, lists, tables, links (http, https, mailto) and embedded images. "
        "Scripts, styles, forms and remote images are removed when the email is sent.",
    )
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={**CODE, "rows": 10}),
        help_text="The plain-text part. Left empty, it is made from the HTML.",
    )
    active = forms.BooleanField(required=False, label="Active: send this email when its event happens")
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, template: EmailTemplate) -> dict[str, object]:
        """The form's values for `template` as it is now."""
        return {
            "subject": template.subject,
            "html": template.html,
            "text": template.text,
            "active": template.active,
            "loaded_at": template.updated_at.isoformat(),
        }

    def __init__(self, *args: Any, preview: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preview = preview  # a preview reads what is typed; only a save needs `loaded_at`

    def clean(self) -> dict[str, Any]:
        """The `updated_at` the form was loaded with, read back (a form error when it cannot be)."""
        cleaned = super().clean() or {}
        if self.preview:
            return cleaned
        try:
            loaded = datetime.fromisoformat(cleaned.get("loaded_at") or "")
        except ValueError:
            loaded = None
        if loaded is None or loaded.tzinfo is None:
            self.add_error(None, UNREADABLE)
        else:
            cleaned["loaded_at"] = loaded
        return cleaned
