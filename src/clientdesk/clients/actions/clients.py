"""Writes to clients: create, update (never losing another edit), cycle status."""

import copy
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst

from clientdesk import audit
from clientdesk.clients.actions.contacts import (
    CONTACT_FIELDS,
    ContactData,
    PhoneData,
    clean_phones,
    phone_summary,
    refresh_search_text,
)
from clientdesk.clients.events import ClientEvent
from clientdesk.clients.models import Client, ClientGroup, ClientStatus, Contact, ContactType, IdSequence, PhoneNumber
from clientdesk.clients.search import MIN_SUBSTRING, normalise
from clientdesk.core import contract

# The mail app's template action (`mail.models.TemplateAction`) of the welcome email.
ACCOUNT_WELCOME = "account_welcome"


@dataclass(frozen=True, kw_only=True)
class ClientData:
    """The client's own settings as entered, in the order forms show them."""

    group: ClientGroup | None = None
    currency: str = field(default_factory=lambda: settings.CLIENTDESK_DEFAULT_CURRENCY)
    language: str = "en"
    tax_exempt: bool = False
    tax_id: str = ""
    invoice_method: str = "email"
    auto_debit: bool = True
    auto_suspend: bool = True
    payment_notices: bool = True


# The one list of the client's own editable fields.
CLIENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ClientData))
# Those that need the "change billing settings" permission besides "change client" (SPEC §1: Billing, Admin).
BILLING_FIELDS: tuple[str, ...] = (
    "currency",
    "tax_exempt",
    "tax_id",
    "invoice_method",
    "auto_debit",
    "auto_suspend",
    "payment_notices",
)
PHONES = "phones"
# The client's columns copied from its primary contact (see Client).
COPIED_FIELDS = ("name", "company", "email", "country")


@dataclass(frozen=True)
class ClientUpdate:
    """What an edit did: the client as saved, and the fields it changed ({} when it changed nothing)."""

    client: Client
    changes: dict[str, list[Any]]


class DuplicateClientError(ValidationError):
    """A new client's email is already a contact's of existing clients (nothing written); `clients` are they."""

    def __init__(self, clients: list[Client]) -> None:
        codes = ", ".join(f"#{c.id_code} {c.name}" for c in clients)
        super().__init__(
            {"email": f"This email already belongs to {codes}. Open the existing client, or create this one anyway."},
            code="duplicate",
        )
        self.clients = clients


def possible_duplicates(email: str, *, limit: int = 5) -> list[Client]:
    """Clients with a contact of this email (case and accents aside), through the search text's trigram index."""
    wanted = normalise(email)
    if len(wanted) < MIN_SUBSTRING:
        return []
    candidates = Client.objects.filter(search_text__contains=wanted).values_list("pk", flat=True)[:50]
    matches = Contact.objects.filter(client_id__in=list(candidates), email__iexact=email.strip())
    return list(Client.objects.filter(pk__in=matches.values("client_id")).order_by("id_value")[:limit])


class EditConflictError(ValidationError):
    """Fields this edit changes were changed by someone else since the edit began (nothing written).

    `current` holds those fields' current values: an edit based on them may overwrite them knowingly.
    """

    def __init__(self, messages: dict[str, str], *, current: dict[str, Any]) -> None:
        super().__init__(messages, code="conflict")
        self.current = current


def _copy_primary(client: Client, contact: Contact) -> None:
    """Copy the primary contact's list columns onto the client."""
    client.name = contact.full_name
    client.company = contact.company
    client.email = contact.email
    client.country = contact.country


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
        phone_rows = clean_phones(primary, phones)
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


def client_state(client: Client, primary: Contact, phones: Sequence[PhoneNumber]) -> dict[str, Any]:
    """What an edit of the client shows, as plain values: what an edit form or a PATCH is based on."""
    return {
        **audit.snapshot(primary, CONTACT_FIELDS),
        **audit.snapshot(client, CLIENT_FIELDS),
        PHONES: phone_summary(phones),
    }


def _next_id_value(series: str) -> int:
    """Take the next number of an id-code series; the row lock serialises concurrent takers."""
    start = settings.CLIENTDESK_CLIENT_ID_START
    step = settings.CLIENTDESK_CLIENT_ID_INCREMENT
    IdSequence.objects.get_or_create(name=series, defaults={"last_value": start - step})
    IdSequence.objects.filter(name=series).update(last_value=F("last_value") + step)
    return IdSequence.objects.values_list("last_value", flat=True).get(name=series)


@audit.action(ClientEvent.CREATE)
def client_create(
    *,
    actor: audit.Actor,
    data: ClientData,
    contact: ContactData,
    phones: Sequence[PhoneData] = (),
    member_since: datetime.datetime | None = None,
    allow_duplicate: bool = False,
    send_welcome: bool = False,
) -> Client:
    """Create an active client with its primary contact and phone numbers.

    A client whose email is already a contact's of another client is refused (DuplicateClientError,
    naming them) unless `allow_duplicate`: the staff member saw them and creates this one anyway.
    `member_since` keeps the date a client joined when it comes from another system (not in the future).
    `send_welcome` queues the welcome email to the primary contact (in this transaction, in the
    client's Mail Log) when the contact has an address.
    """
    if member_since is not None and member_since > timezone.now():
        raise ValidationError({"created_at": "A client cannot be a member since a date in the future."})
    id_format = settings.CLIENTDESK_CLIENT_ID_FORMAT
    primary = Contact(contact_type=ContactType.PRIMARY, **asdict(contact))
    client = Client(id_format=id_format, status=ClientStatus.ACTIVE, **asdict(data))
    if member_since is not None:
        client.created_at = primary.created_at = member_since
    phone_rows = _validate(client, primary, phones, client_exclude=["id_value", "id_code"])
    if not allow_duplicate and (duplicates := possible_duplicates(primary.email)):
        raise DuplicateClientError(duplicates)

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
        action=ClientEvent.CREATE,
        client=client,
        target=client,
        changes=audit.diff(
            {}, {"id_code": client.id_code, **client_state(client, primary, phone_rows)}, skip_empty=True
        ),
    )
    if send_welcome and primary.email:
        _send_welcome(client, primary, actor=actor)
    return client


def _send_welcome(client: Client, contact: Contact, *, actor: audit.Actor) -> list[int]:
    """Queue the welcome email to `contact` (the primary contact) inside the running action's transaction."""
    return contract.send_template_mail(
        ACCOUNT_WELCOME,
        to=[contact.email],
        context={
            "client": {"id_code": client.id_code, "name": client.name},
            "contact": {"first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email},
        },
        client_id=client.pk,
        actor=actor,
    )


def _label(name: str) -> str:
    if name == PHONES:
        return "Phone numbers"
    model: type[Contact | Client] = Contact if name in CONTACT_FIELDS else Client
    return str(capfirst(getattr(model._meta.get_field(name), "verbose_name", name)))


def _conflict_message(name: str, value: Any) -> str:
    shown = (", ".join(value) if isinstance(value, list) else value) or "(empty)"
    return (
        f"{_label(name)} was changed to “{shown}” by someone else after you opened this form. "
        "Your change to it was not saved: check the current value and enter yours again."
    )


@audit.action(ClientEvent.UPDATE)
def client_update(
    *,
    actor: audit.Actor,
    client: Client,
    data: ClientData,
    contact: ContactData,
    phones: Sequence[PhoneData],
    base: Mapping[str, Any] | None = None,
) -> ClientUpdate:
    """Change the client's settings, primary contact and numbers: only the fields this edit changed.

    `base` is the `client_state` the edit was made from (the form as loaded). A field is changed
    when the edit's value differs from `base`; when someone else changed that same field since
    (its current value differs from `base` too), EditConflictError names it and nothing is written.
    Without `base` every given value counts as changed. The row is locked for the whole check.
    """
    locked = Client.objects.select_for_update().get(pk=client.pk)
    primary = Contact.objects.select_for_update().get(client=locked, contact_type=ContactType.PRIMARY)
    current_rows = list(primary.phone_numbers.all())
    current = client_state(locked, primary, current_rows)

    # The edit as it would be stored (normalised and validated), on copies of the rows.
    wanted_client, wanted_primary = copy.copy(locked), copy.copy(primary)
    for name, value in asdict(contact).items():
        setattr(wanted_primary, name, value)
    for name, value in asdict(data).items():
        setattr(wanted_client, name, value)
    wanted_rows = _validate(wanted_client, wanted_primary, phones)
    wanted = client_state(wanted_client, wanted_primary, wanted_rows)

    since = current if base is None else base
    changed = [name for name in wanted if wanted[name] != since.get(name)]
    conflicts = {
        name: _conflict_message(name, current[name])
        for name in changed
        if current[name] != since.get(name) and current[name] != wanted[name]
    }
    if conflicts:
        raise EditConflictError(conflicts, current={name: current[name] for name in conflicts})
    if all(wanted[name] == current[name] for name in changed):
        audit.nothing_changed()
        client.refresh_from_db()
        return ClientUpdate(client, {})

    for name in changed:
        if name in CONTACT_FIELDS:
            setattr(primary, name, getattr(wanted_primary, name))
        elif name in CLIENT_FIELDS:
            setattr(locked, name, getattr(wanted_client, name))
    rows = [PhoneData(p.number, p.type, p.location) for p in (wanted_rows if PHONES in changed else current_rows)]
    new_rows = _validate(locked, primary, rows)
    primary.save(update_fields=[*CONTACT_FIELDS, "updated_at"])
    locked.save(update_fields=[*CLIENT_FIELDS, *COPIED_FIELDS, "updated_at"])
    if PHONES in changed:
        primary.phone_numbers.all().delete()
        PhoneNumber.objects.bulk_create(new_rows)
    refresh_search_text(locked)
    changes = audit.diff(current, client_state(locked, primary, new_rows))
    audit.record(actor=actor, action=ClientEvent.UPDATE, client=locked, target=locked, changes=changes)
    client.refresh_from_db()
    return ClientUpdate(client, changes)


@audit.action(ClientEvent.STATUS)
def client_cycle_status(*, actor: audit.Actor, client: Client, seen: str | None = None) -> Client:
    """Move the client to the next status: active → inactive → fraud → active.

    `seen` is the status the staff member clicked on; if it is no longer the client's, nothing changes.
    """
    locked = Client.objects.select_for_update().get(pk=client.pk)
    before = locked.status
    if seen is not None and seen != before:
        shown = ClientStatus(before).label if before in ClientStatus.values else before
        raise ValidationError(
            {"status": f"Someone else changed the status to {shown} meanwhile; it was left as it is."},
            code="conflict",
        )
    locked.status = ClientStatus.after(before)
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action=ClientEvent.STATUS,
        client=locked,
        target=locked,
        changes={"status": [before, locked.status]},
    )
    client.status = locked.status
    return client
