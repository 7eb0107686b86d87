"""Writes to clients: create, update, cycle status. Each validates, writes, and audits."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from clientdesk import audit
from clientdesk.clients.models import Client, ClientGroup, ClientStatus, IdSequence
from clientdesk.clients.search import build_search_text
from clientdesk.contacts.models import Contact, ContactType, PhoneNumber

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "company",
    "email",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
)
CLIENT_FIELDS = ("group", "currency", "language", "tax_exempt", "tax_id", "invoice_method")


@dataclass(frozen=True)
class PhoneData:
    """One phone row as entered: the number as typed, not yet normalised."""

    number: str
    type: str = "phone"
    location: str = "home"


@dataclass(frozen=True)
class ContactData:
    """The fields of a contact as entered on a form."""

    first_name: str
    last_name: str
    email: str
    country: str
    title: str = ""
    company: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class ClientData:
    """The client's own settings as entered on a form."""

    group: ClientGroup | None = None
    currency: str = field(default_factory=lambda: settings.CLIENTDESK_DEFAULT_CURRENCY)
    language: str = "en"
    tax_exempt: bool = False
    tax_id: str = ""
    invoice_method: str = "email"


def _clean_phones(contact: Contact, phones: Sequence[PhoneData]) -> list[PhoneNumber]:
    """Validated PhoneNumber rows (unsaved); rows with no number are ignored."""
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


def _validate(
    client: Client, primary: Contact, phones: Sequence[PhoneData], *, client_exclude: Sequence[str] = ()
) -> list[PhoneNumber]:
    """Validate the client, its primary contact and phone rows together; all errors in one go."""
    errors: dict[str, Any] = {}
    phone_rows: list[PhoneNumber] = []
    try:
        primary.full_clean(exclude=["client"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        phone_rows = _clean_phones(primary, phones)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _copy_primary(client, primary)
    try:
        client.full_clean(exclude=list(client_exclude))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return phone_rows


def _next_id_value(series: str) -> int:
    """Take the next number of an id-code series; the row lock serialises concurrent takers."""
    start = settings.CLIENTDESK_CLIENT_ID_START
    step = settings.CLIENTDESK_CLIENT_ID_INCREMENT
    IdSequence.objects.get_or_create(name=series, defaults={"last_value": start - step})
    IdSequence.objects.filter(name=series).update(last_value=F("last_value") + step)
    return IdSequence.objects.values_list("last_value", flat=True).get(name=series)


def _copy_primary(client: Client, contact: Contact) -> None:
    """Copy the primary contact's list columns onto the client."""
    client.name = contact.full_name
    client.company = contact.company
    client.email = contact.email
    client.country = contact.country


def refresh_search_text(client: Client) -> None:
    """Recompute the client's search text from its contacts; call after any change to them."""
    contacts = Contact.objects.filter(client=client).prefetch_related("phone_numbers")
    client.search_text = build_search_text(client.id_code, contacts)
    Client.objects.filter(pk=client.pk).update(search_text=client.search_text)


def _phone_summary(rows: Sequence[PhoneNumber]) -> str:
    return ", ".join(f"{p.number} ({p.location} {p.type})" for p in rows)


def client_create(*, actor: Any, data: ClientData, contact: ContactData, phones: Sequence[PhoneData] = ()) -> Client:
    """Create an active client with its primary contact and phone numbers."""
    id_format = settings.CLIENTDESK_CLIENT_ID_FORMAT
    primary = Contact(contact_type=ContactType.PRIMARY, **asdict(contact))
    client = Client(id_format=id_format, status=ClientStatus.ACTIVE, **asdict(data))
    phone_rows = _validate(client, primary, phones, client_exclude=["id_value", "id_code"])

    with transaction.atomic():
        client.id_value = _next_id_value(f"client:{id_format}")
        client.id_code = id_format.replace("{num}", str(client.id_value))
        client.save()
        primary.client = client
        primary.save()
        for phone in phone_rows:
            phone.contact = primary
        PhoneNumber.objects.bulk_create(phone_rows)
        refresh_search_text(client)
        audit.record(
            actor=actor,
            action="client.create",
            client=client,
            target=client,
            changes=audit.diff(
                {},
                {
                    **audit.snapshot(client, ["id_code", *CLIENT_FIELDS]),
                    **audit.snapshot(primary, CONTACT_FIELDS),
                    "phones": _phone_summary(phone_rows),
                },
                skip_empty=True,
            ),
        )
    return client


def client_update(
    *, actor: Any, client: Client, data: ClientData, contact: ContactData, phones: Sequence[PhoneData]
) -> Client:
    """Change the client's settings, its primary contact and that contact's phone numbers."""
    primary = Contact.objects.get(client=client, contact_type=ContactType.PRIMARY)
    before = {
        **audit.snapshot(client, CLIENT_FIELDS),
        **audit.snapshot(primary, CONTACT_FIELDS),
        "phones": _phone_summary(list(primary.phone_numbers.all())),
    }
    for name, value in asdict(contact).items():
        setattr(primary, name, value)
    for name, value in asdict(data).items():
        setattr(client, name, value)
    phone_rows = _validate(client, primary, phones)

    after = {
        **audit.snapshot(client, CLIENT_FIELDS),
        **audit.snapshot(primary, CONTACT_FIELDS),
        "phones": _phone_summary(phone_rows),
    }
    changes = audit.diff(before, after)
    if not changes:
        return client
    with transaction.atomic():
        primary.save()
        client.save(update_fields=[*CLIENT_FIELDS, "name", "company", "email", "country", "updated_at"])
        if "phones" in changes:
            primary.phone_numbers.all().delete()
            PhoneNumber.objects.bulk_create(phone_rows)
        refresh_search_text(client)
        audit.record(actor=actor, action="client.update", client=client, target=client, changes=changes)
    return client


def client_cycle_status(*, actor: Any, client: Client) -> Client:
    """Move the client to the next status: active → inactive → fraud → active."""
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        before = locked.status
        locked.status = ClientStatus.after(before)
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action="client.status",
            client=locked,
            target=locked,
            changes={"status": [before, locked.status]},
        )
    client.status = locked.status
    return client
