"""An API create or edit of a contact, read through the very form the Add / Edit contact pages use.

As for clients (see client_input.py): the JSON's shape is checked by the serializer, the values by
ContactForm and the phone rows, then by the action and the models, so the API and the pages answer
the same input with the same messages under the same keys.

The API names a contact's type as the actions do, `contact_type` (`billing` or `other`) and
`custom_type` (a contact type's id); the form names it as one choice (`billing`, `type-<id>`, or
`other` for an untyped "other" contact being edited). The form checks the choice (that the contact
type exists, that an untyped contact is not made), the action the pair (a billing contact carries no
contact type).
"""

import datetime
from collections.abc import Mapping
from typing import Any

from clientdesk.api.client_input import PHONE_PREFIX, check_with_phones, phone_rows
from clientdesk.api.versions import saved_at, sign_version
from clientdesk.clients.actions import CONTACT_FIELDS
from clientdesk.clients.forms import TYPE_PREFIX, ContactForm, phone_data, phone_formset
from clientdesk.clients.models import Client, Contact, ContactType

VERSION_KIND = "contact"
CUSTOM_TYPE = "custom_type"


def form_choice(contact_type: str, custom_type: int | None) -> str:
    """The Contact type choice of ContactForm that the API's pair names."""
    return f"{TYPE_PREFIX}{custom_type}" if custom_type is not None else contact_type


class ContactInput:
    """A bound ContactForm and phone rows: the values contact_create / contact_update take, or the page's errors."""

    def __init__(self, values: Mapping[str, Any], *, contact: Contact | None) -> None:
        data: dict[str, Any] = {name: values.get(name, "") for name in CONTACT_FIELDS}
        self.contact_type = str(values.get("contact_type") or "")
        data["contact_type"] = form_choice(self.contact_type, values.get(CUSTOM_TYPE))
        data |= phone_rows(values.get(PHONE_PREFIX) or [])
        self.form = ContactForm(data, contact=contact)
        self.phones = phone_formset(data)

    def check(self) -> None:
        """Raise ValidationError with every error the page would show (the numbers checked too)."""
        check_with_phones(self.form, self.phones)

    def action_arguments(self) -> dict[str, Any]:
        """What contact_create / contact_update take: the type, the contact's fields, its numbers."""
        _, custom_type = self.form.type_data()
        return {
            "contact_type": self.contact_type,
            "custom_type": custom_type,
            "data": self.form.contact_data(),
            "phones": phone_data(self.phones),
        }


def new_contact_values(client: Client, given: Mapping[str, Any]) -> dict[str, Any]:
    """A new contact's values: the defaults of Add contact (the client's country), overlaid with what was sent."""
    defaults: dict[str, Any] = dict.fromkeys(CONTACT_FIELDS, "")
    defaults["country"] = client.country
    return {**defaults, **given}


def edited_contact_values(contact: Contact, given: Mapping[str, Any]) -> dict[str, Any]:
    """The contact's current values, overlaid with the fields an edit sends.

    A contact made `billing` carries no contact type; one left (or made) `other` keeps its own
    unless the edit names another.
    """
    current: dict[str, Any] = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    current["contact_type"] = contact.contact_type
    current[PHONE_PREFIX] = [
        {"number": phone.number, "type": phone.type, "location": phone.location}
        for phone in contact.phone_numbers.all()
    ]
    values = {**current, **given}
    if CUSTOM_TYPE not in given:
        values[CUSTOM_TYPE] = contact.custom_type_id if values["contact_type"] == ContactType.OTHER else None
    return values


def contact_version(contact: Contact) -> str:
    """The contact's ETag: when it was last saved, signed, so an edit can be based on it."""
    return sign_version(VERSION_KIND, contact.pk, {"updated_at": contact.updated_at.isoformat()})


def loaded_at(contact: Contact, if_match: str) -> datetime.datetime:
    """When the contact was last saved as the edit saw it: the version `If-Match` names, else as read now.

    contact_update refuses the edit (nothing written) when the contact was saved since.
    """
    return saved_at(VERSION_KIND, contact.pk, if_match) or contact.updated_at
