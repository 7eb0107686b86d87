"""An API create or edit of a client, read through the very forms the pages use.

The JSON's shape is checked by the serializer; what the values must be is checked by ClientForm and
the phone rows (fields built from the models'), then by the action and the models. So a bad value
gets the same message, under the same key, from the API as from the Add client / Edit client page,
and there is no second set of rules to drift apart. (Its phone rows and checks serve contact_input.py too.)
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from clientdesk.api.versions import read_version, sign_version
from clientdesk.clients import actions
from clientdesk.clients.actions import CLIENT_FIELDS, CONTACT_FIELDS, ClientData
from clientdesk.clients.forms import ClientForm, phone_data, phone_formset
from clientdesk.clients.models import Client, Contact, PhoneLocation, PhoneType
from clientdesk.core.forms import apply_validation_error

VERSION_KIND = "client"
PHONE_PREFIX = "phones"


class ClientInput:
    """A bound ClientForm and phone rows: the values an action takes, or the errors the page would show."""

    def __init__(self, values: Mapping[str, Any], *, billing: bool, current: Client | None) -> None:
        data = {name: value for name, value in values.items() if name != PHONE_PREFIX}
        data["group"] = values.get("group") or ""
        data |= phone_rows(values.get(PHONE_PREFIX) or [])
        self.form = ClientForm(data, billing=billing, current=current)
        self.phones = phone_formset(data)

    def check(self) -> None:
        """Raise ValidationError with every error the page would show (the numbers checked too)."""
        check_with_phones(self.form, self.phones)

    def action_arguments(self) -> dict[str, Any]:
        """What client_create / client_update take: the client's settings, the contact and its numbers."""
        return {
            "data": self.form.client_data(),
            "contact": self.form.contact_data(),
            "phones": phone_data(self.phones),
        }


def phone_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Phone rows as the page's form posts them (`phones-0-number`…), with the formset's counts."""
    data = {
        f"{PHONE_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{PHONE_PREFIX}-INITIAL_FORMS": "0",
        f"{PHONE_PREFIX}-MIN_NUM_FORMS": "0",
        f"{PHONE_PREFIX}-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        data[f"{PHONE_PREFIX}-{index}-number"] = row.get("number", "")
        data[f"{PHONE_PREFIX}-{index}-type"] = row.get("type", PhoneType.PHONE)
        data[f"{PHONE_PREFIX}-{index}-location"] = row.get("location", PhoneLocation.HOME)
    return data


def check_with_phones(form: Any, phones: Any) -> None:
    """Raise ValidationError with every error a contact's form and phone rows show, as its page does.

    Both are checked, so every error shows at once; the numbers are also checked in the country
    entered when the rest of the form is wrong (the pages do the same).
    """
    if form.is_valid() & phones.is_valid():
        return
    country = form.cleaned_data.get("country")
    if country and phones.is_valid():
        try:
            actions.clean_phones(Contact(country=country), phone_data(phones))
        except ValidationError as exc:
            apply_validation_error(exc, form, rows=phones.forms, row_prefix=PHONE_PREFIX)
    raise ValidationError(form_errors(form, phones))


def form_errors(form: Any, phones: Any) -> dict[str, list[str]]:
    """The errors a form and its phone rows show, keyed as the actions key them."""
    errors: dict[str, list[str]] = {name: list(messages) for name, messages in form.errors.items()}
    for index, row in enumerate(phones.forms):
        for name, messages in row.errors.items():
            errors[f"{PHONE_PREFIX}.{index}.{name}"] = list(messages)
    if phones.is_bound and phones.non_form_errors():
        errors[PHONE_PREFIX] = list(phones.non_form_errors())
    return errors


def new_client_values(given: Mapping[str, Any]) -> dict[str, Any]:
    """A new client's values: the defaults of Add client, overlaid with what was sent."""
    defaults: dict[str, Any] = dict.fromkeys(CONTACT_FIELDS, "")
    defaults["country"] = settings.CLIENTDESK_DEFAULT_COUNTRY
    defaults |= {name: value for name, value in asdict(ClientData()).items() if name != "group"}
    return {**defaults, **given}


def edited_client_values(client: Client, contact: Contact, given: Mapping[str, Any]) -> dict[str, Any]:
    """The client's current values, overlaid with the fields an edit sends."""
    current: dict[str, Any] = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    current |= {name: getattr(client, name) for name in CLIENT_FIELDS if name != "group"}
    current["group"] = client.group_id
    current[PHONE_PREFIX] = [
        {"number": phone.number, "type": phone.type, "location": phone.location}
        for phone in contact.phone_numbers.all()
    ]
    return {**current, **given}


def client_version(client: Client, state: Mapping[str, Any]) -> str:
    """The client's ETag: the edit state (`client_state`) it was read in, signed, so an edit can be based on it."""
    return sign_version(VERSION_KIND, client.pk, state)


def version_state(client: Client, if_match: str) -> dict[str, Any] | None:
    """The state an `If-Match` names (None for `*` or no header); a 412 problem when it is not one of this client's."""
    return read_version(VERSION_KIND, client.pk, if_match)
