"""Writes to a client's contacts other than the primary one: add, edit, delete; who invoices go to."""

import datetime
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.clients.actions.clients import EditConflictError
from clientdesk.clients.actions.contacts import (
    CONTACT_FIELDS,
    ContactData,
    PhoneData,
    clean_phones,
    phone_summary,
    refresh_search_text,
)
from clientdesk.clients.events import ClientEvent
from clientdesk.clients.models import Client, Contact, ContactType, CustomContactType, PhoneNumber

# The types staff may give a contact: the primary contact is made with its client and never retyped.
ASSIGNABLE_TYPES = (ContactType.BILLING, ContactType.OTHER)
TYPE = "type"
PHONES = "phones"


def contact_state(contact: Contact, phones: Sequence[PhoneNumber]) -> dict[str, Any]:
    """A contact as plain values, for the audit log: its type in words, its fields, its numbers."""
    return {TYPE: contact.type_label, **audit.snapshot(contact, CONTACT_FIELDS), PHONES: phone_summary(phones)}


def _check_type(contact_type: str, custom_type: CustomContactType | None) -> None:
    if contact_type not in ASSIGNABLE_TYPES:
        raise ValidationError({"contact_type": "Choose Billing or one of the company's contact types."})
    if custom_type is not None and contact_type != ContactType.OTHER:
        raise ValidationError({"contact_type": "A billing contact has no other contact type."})


def _validate(contact: Contact, phones: Sequence[PhoneData]) -> list[PhoneNumber]:
    """The contact's fields and numbers checked together, every error at once."""
    errors: dict[str, Any] = {}
    rows: list[PhoneNumber] = []
    try:
        contact.full_clean(exclude=["client", "custom_type"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        rows = clean_phones(contact, phones)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return rows


def _invoice_message(contact: Contact) -> str:
    return (
        f"Invoices are addressed to {contact.full_name}. Choose another contact under “Address invoices to” "
        "before changing this contact's type or deleting it."
    )


@audit.action(ClientEvent.CONTACT_CREATE)
def contact_create(
    *,
    actor: audit.Actor,
    client: Client,
    contact_type: str,
    custom_type: CustomContactType | None = None,
    data: ContactData,
    phones: Sequence[PhoneData] = (),
) -> Contact:
    """Add a billing or other contact (with any number of phone numbers) to a client."""
    _check_type(contact_type, custom_type)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    contact = Contact(client=locked, contact_type=contact_type, custom_type=custom_type, **asdict(data))
    rows = _validate(contact, phones)
    contact.save()
    for phone in rows:
        phone.contact = contact
    PhoneNumber.objects.bulk_create(rows)
    refresh_search_text(locked)
    audit.record(
        actor=actor,
        action=ClientEvent.CONTACT_CREATE,
        client=locked,
        target=contact,
        changes=audit.diff({}, contact_state(contact, rows), skip_empty=True),
    )
    return contact


@audit.action(ClientEvent.CONTACT_UPDATE)
def contact_update(
    *,
    actor: audit.Actor,
    contact: Contact,
    contact_type: str,
    custom_type: CustomContactType | None = None,
    data: ContactData,
    phones: Sequence[PhoneData],
    loaded_at: datetime.datetime | None = None,
) -> dict[str, list[Any]]:
    """Change a billing or other contact and its numbers; the changes made ({} when none).

    The primary contact is changed through the client's edit. `loaded_at` is the contact's
    `updated_at` when the edit began: if someone saved it since, nothing is written (EditConflictError).
    The contact invoices are addressed to stays a billing contact.
    """
    _check_type(contact_type, custom_type)
    client = Client.objects.select_for_update().get(pk=contact.client_id)
    locked = Contact.objects.select_for_update(of=("self",)).select_related("custom_type").get(pk=contact.pk)
    if locked.contact_type == ContactType.PRIMARY:
        raise ValidationError(
            {"contact_type": "The primary contact holds the client's details: change it with Edit client."}
        )
    if loaded_at is not None and locked.updated_at != loaded_at:
        raise EditConflictError(
            {
                "__all__": "Someone else saved this contact after you opened this form. Nothing was saved: "
                "reload it to see their change, then make yours again."
            },
            current={},
        )
    if client.invoice_contact_id == locked.pk and contact_type != ContactType.BILLING:
        raise ValidationError({"contact_type": _invoice_message(locked)})
    current_rows = list(locked.phone_numbers.all())
    before = contact_state(locked, current_rows)
    for name, value in asdict(data).items():
        setattr(locked, name, value)
    locked.contact_type, locked.custom_type = contact_type, custom_type
    rows = _validate(locked, phones)
    after = contact_state(locked, rows)
    changes = audit.diff(before, after)
    if not changes:
        audit.nothing_changed()
        return {}
    locked.save()
    if PHONES in changes:
        locked.phone_numbers.all().delete()
        for phone in rows:
            phone.contact = locked
        PhoneNumber.objects.bulk_create(rows)
    refresh_search_text(client)
    audit.record(actor=actor, action=ClientEvent.CONTACT_UPDATE, client=client, target=locked, changes=changes)
    contact.refresh_from_db()
    return changes


@audit.action(ClientEvent.CONTACT_DELETE)
def contact_delete(*, actor: audit.Actor, contact: Contact) -> None:
    """Delete a billing or other contact and its phone numbers.

    Refused for the primary contact and for the contact invoices are addressed to.
    """
    client = Client.objects.select_for_update().get(pk=contact.client_id)
    locked = Contact.objects.select_for_update(of=("self",)).select_related("custom_type").get(pk=contact.pk)
    if locked.contact_type == ContactType.PRIMARY:
        raise ValidationError("The primary contact cannot be deleted: it holds the client's details.")
    if client.invoice_contact_id == locked.pk:
        raise ValidationError(_invoice_message(locked))
    before = contact_state(locked, list(locked.phone_numbers.all()))
    pk = locked.pk
    locked.delete()  # its phone numbers go with it (CASCADE)
    locked.pk = pk
    refresh_search_text(client)
    audit.record(
        actor=actor,
        action=ClientEvent.CONTACT_DELETE,
        client=client,
        target=locked,
        changes=audit.diff(before, {}, skip_empty=True),
    )


@audit.action(ClientEvent.INVOICE_CONTACT)
def client_set_invoice_contact(*, actor: audit.Actor, client: Client, contact: Contact | None) -> Client:
    """Address the client's invoices to one of its billing contacts, or (None or the primary) to the primary."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if contact is not None and contact.client_id != locked.pk:
        raise ValidationError({"invoice_contact": "Choose one of this client's contacts."})
    if contact is not None and contact.contact_type == ContactType.PRIMARY:
        contact = None
    if contact is not None and contact.contact_type != ContactType.BILLING:
        raise ValidationError(
            {"invoice_contact": "Invoices are addressed to the primary contact or a billing contact."}
        )
    before = locked.invoice_contact_id
    if before == (contact.pk if contact else None):
        audit.nothing_changed()
        return locked
    previous = Contact.objects.filter(pk=before).first() if before else None
    primary = Contact.objects.get(client=locked, contact_type=ContactType.PRIMARY)
    locked.invoice_contact = contact
    locked.save(update_fields=["invoice_contact", "updated_at"])
    audit.record(
        actor=actor,
        action=ClientEvent.INVOICE_CONTACT,
        client=locked,
        target=locked,
        changes={"invoice_contact": [(previous or primary).full_name, (contact or primary).full_name]},
    )
    client.invoice_contact = contact
    return locked
