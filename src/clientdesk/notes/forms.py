"""The shape of note input. The rules live on the model and in the actions."""

from typing import Any

from django import forms
from django.core import signing

from clientdesk.core.forms import StyledFormMixin
from clientdesk.notes.models import SUMMARY_MAX

LOADED_SALT = "clientdesk.notes.note_edit.loaded"


class NoteForm(StyledFormMixin, forms.Form):
    """Add note / Edit note: summary, details, sticky.

    An edit form carries, signed, what it was loaded with (`loaded`), so the save applies only the
    fields the staff member changed and refuses one someone else changed meanwhile.
    """

    summary = forms.CharField(max_length=SUMMARY_MAX, error_messages={"required": "Enter a summary."})
    details = forms.CharField(
        required=False,
        strip=False,  # kept as typed: the model drops only trailing whitespace
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text; line breaks are kept.",
    )
    sticky = forms.BooleanField(required=False, label="Sticky: show this note at the top of the client's profile")
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def sign(pk: int, state: dict[str, Any]) -> str:
        """`state` of note `pk` as the hidden field carries it."""
        return signing.dumps({"note": pk, "state": state}, salt=LOADED_SALT, compress=True)

    def loaded_state(self, pk: int) -> dict[str, Any] | None:
        """What this edit form of note `pk` was loaded with; None (and a form error) when it cannot tell."""
        try:
            payload = signing.loads(self.cleaned_data.get("loaded") or "", salt=LOADED_SALT)
        except signing.BadSignature:
            payload = None
        if not isinstance(payload, dict) or payload.get("note") != pk or not isinstance(payload.get("state"), dict):
            self.add_error(None, "This form could not be read back. Reload the page and make your change again.")
            return None
        return dict(payload["state"])
