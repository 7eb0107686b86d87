"""An API Email Client or Resend, read through the very form the Email Client page uses; template edits.

As for clients and notes (see client_input.py): the JSON's shape is checked by the serializer, the
values by EmailForm (as the page posts them: the addresses of a field joined by commas, "another
address" as the recipient), then by `email_send`, so the API and the page answer the same input with
the same messages under the same keys (`to`, `cc`, `bcc`, `from_name`, `from_email`, `subject`,
`html`, `text`). The action is given the API's lists of addresses as they were sent.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from clientdesk.accounts.models import User
from clientdesk.api.versions import saved_at, sign_version
from clientdesk.mail import queries
from clientdesk.mail.forms import EmailForm, Recipient
from clientdesk.mail.models import EmailTemplate, OutboundEmail

ADDRESS_FIELDS = ("to", "cc", "bcc")
TEXT_FIELDS = ("from_name", "from_email", "subject", "html", "text")
TEMPLATE_FIELDS = ("subject", "html", "text", "active")
VERSION_KIND = "email_template"


def message_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """What `email_send` takes, once EmailForm accepts the values; ValidationError with the page's errors."""
    data: dict[str, str] = {"recipient": Recipient.OTHER.value}
    data |= {name: ", ".join(values.get(name) or []) for name in ADDRESS_FIELDS}
    data |= {name: str(values.get(name) or "") for name in TEXT_FIELDS}
    form = EmailForm(data, contacts=())
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    return {
        **{name: list(values.get(name) or []) for name in ADDRESS_FIELDS},
        **{name: form.cleaned_data[name] for name in TEXT_FIELDS},
    }


def new_message_values(owner: User, given: Mapping[str, Any]) -> dict[str, Any]:
    """A new email's values: sent from the token's owner (as Email Client starts), overlaid with what was sent."""
    return {"from_name": owner.full_name, "from_email": owner.email, **given}


def resent_message_values(original: OutboundEmail, given: Mapping[str, Any]) -> dict[str, Any]:
    """A resend's values: what Resend starts from (the logged message, to its addresses), overlaid with those sent."""
    return {**queries.resend_defaults(original), **given}


def template_version(template: EmailTemplate) -> str:
    """The template's ETag: when it was last saved, signed, so an edit can be based on it."""
    return sign_version(VERSION_KIND, template.pk, {"updated_at": template.updated_at.isoformat()})


def template_loaded_at(template: EmailTemplate, if_match: str) -> datetime.datetime | None:
    """When the template was last saved as the edit saw it (the version `If-Match` names); None without one.

    `template_update` refuses the edit (nothing written) when the template was saved since.
    """
    return saved_at(VERSION_KIND, template.pk, if_match)


def edited_template_values(template: EmailTemplate, given: Mapping[str, Any]) -> dict[str, Any]:
    """The template's current parts, overlaid with those an edit sends."""
    return {**{name: getattr(template, name) for name in TEMPLATE_FIELDS}, **given}
