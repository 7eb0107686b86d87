"""Contacts and their phone numbers: the shapes actions take, validation, and the search text."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ValidationError

from clientdesk.clients.models import Client, Contact, PhoneLocation, PhoneNumber, PhoneType
from clientdesk.clients.phones import display as phone_display
from clientdesk.clients.search import build_search_text


@dataclass(frozen=True)
class PhoneData:
    """One phone row as entered: the number as typed, not yet normalised."""

    number: str
    type: str = PhoneType.PHONE
    location: str = PhoneLocation.HOME


@dataclass(frozen=True, kw_only=True)
class ContactData:
    """The fields of a contact as entered, in the order forms show them."""

    first_name: str
    last_name: str
    company: str = ""
    title: str = ""
    email: str
    address1: str = ""
    address2: str = ""
    city: str = ""
    postal_code: str = ""
    country: str
    state: str = ""


# The one list of a contact's own fields: forms, audit snapshots and the benchmark seeder read it.
CONTACT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ContactData))


def clean_phones(contact: Contact, phones: Sequence[PhoneData]) -> list[PhoneNumber]:
    """Validated PhoneNumber rows (unsaved) in the contact's country; rows with no number are dropped."""
    rows: list[PhoneNumber] = []
    errors: dict[str, Any] = {}
    for index, data in enumerate(phones):
        if not data.number.strip():
            continue
        phone = PhoneNumber(contact=contact, type=data.type, location=data.location, number=data.number)
        try:
            phone.full_clean(exclude=["contact", "position"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors[f"phones.{index}.{name}"] = messages
            continue
        rows.append(phone)
    if errors:
        raise ValidationError(errors)
    for position, phone in enumerate(rows):
        phone.position = position
    return rows


def phone_summary(rows: Sequence[PhoneNumber]) -> list[str]:
    """The numbers as staff read them (international format, where and what), for the audit log and edits."""
    return [f"{phone_display(p.number)} ({p.location} {p.type})" for p in rows]


def refresh_search_text(client: Client) -> None:
    """Recompute the client's search text from its contacts; call after any change to them."""
    contacts = Contact.objects.filter(client=client).prefetch_related("phone_numbers")
    client.search_text = build_search_text(client.id_code, contacts)
    Client.objects.filter(pk=client.pk).update(search_text=client.search_text)
