"""An API add or edit of a payment account, turned into what the payments actions take.

There is no payment form to read it through: the actions check every value themselves (Luhn, brand,
expiry, security code, ABA checksum, the holder's name), so the API hands them the values as sent and
answers with their messages. The holder's fields travel as one object, `holder`; the actions key their
errors by the field alone (`first_name`), which the API answers as `holder.first_name`.

What an add leaves out of `holder` comes from the `copy_from` contact (as the page's "Copy contact
information from" fills the form); what an edit leaves out stays as the account has it, and an edit
without a number keeps the stored one (the actions read an empty number as "unchanged").
"""

import datetime
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from clientdesk.api.problems import field_errors
from clientdesk.api.serializers.payments import BANK_ONLY, CARD_ONLY, CREATE_SERIALIZERS
from clientdesk.api.versions import etag, saved_at
from clientdesk.clients.models import Client, Contact, ContactType
from clientdesk.payments.actions import HolderData
from clientdesk.payments.models import AccountKind, PaymentAccount

HOLDER = "holder"
COPY_FROM = "copy_from"
HOLDER_FIELDS = tuple(field.name for field in fields(HolderData))
NOT_A_SOURCE = "Copy from the client's primary contact or one of its billing contacts."
KIND_REQUIRED = "Send `card` or `bank`."
OTHER_KIND = {
    AccountKind.CARD: "A card has no such field (it is a bank account's).",
    AccountKind.BANK: "A bank account has no such field (it is a card's).",
}


def create_shape(data: Any) -> Any:
    """The serializer that checks the shape of an add: the card's or the bank account's, by `kind`."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    shape = CREATE_SERIALIZERS.get(kind) if isinstance(kind, str) else None
    if shape is None:
        raise ValidationError({"kind": [KIND_REQUIRED]})
    return shape(data=data)


def copy_source(client: Client, contact_id: int | None) -> Contact | None:
    """The contact an account copies its holder from (and then belongs to): the client's primary or a billing one."""
    if contact_id is None:
        return None
    contact = Contact.objects.filter(
        client=client, pk=contact_id, contact_type__in=[ContactType.PRIMARY, ContactType.BILLING]
    ).first()
    if contact is None:
        raise ValidationError({COPY_FROM: [NOT_A_SOURCE]})
    return contact


def _holder_of(item: Contact | PaymentAccount) -> dict[str, str]:
    return {name: str(getattr(item, name) or "") for name in HOLDER_FIELDS}


def holder(given: Mapping[str, Any], *, base: Mapping[str, str], source: Contact | None) -> HolderData:
    """The holder: `base`, overlaid with the contact copied from, overlaid with the fields sent."""
    values = {**dict.fromkeys(HOLDER_FIELDS, ""), **base}
    if source is not None:
        values |= _holder_of(source)
    values |= dict(given.get(HOLDER) or {})
    return HolderData(**values)


def refuse_other_kind(kind: str, given: Mapping[str, Any]) -> None:
    """Refuse the fields of the other kind of account (a routing number for a card, say), naming them."""
    other = BANK_ONLY if kind == AccountKind.CARD else CARD_ONLY
    wrong = [name for name in other if name in given]
    if wrong:
        raise ValidationError({name: [OTHER_KIND[AccountKind(kind)]] for name in wrong})


@sensitive_variables()
def add_arguments(client: Client, given: Mapping[str, Any]) -> dict[str, Any]:
    """What card_add / bank_add take (but the actor), from an add's checked shape."""
    source = copy_source(client, given.get(COPY_FROM))
    arguments: dict[str, Any] = {
        "client": client,
        "copy_from": source,
        "holder": holder(given, base={}, source=source),
    }
    names = CARD_ONLY if given["kind"] == AccountKind.CARD else BANK_ONLY
    return arguments | {name: given[name] for name in names}


@sensitive_variables()
def update_arguments(client: Client, account: PaymentAccount, given: Mapping[str, Any]) -> dict[str, Any]:
    """What card_update / bank_update take (but the actor): the account as it is, overlaid with what was sent."""
    refuse_other_kind(account.kind, given)
    source = copy_source(client, given.get(COPY_FROM))
    arguments: dict[str, Any] = {
        "account": account,
        "copy_from": source,
        "holder": holder(given, base=_holder_of(account), source=source),
    }
    if account.kind == AccountKind.CARD:
        return arguments | {
            "number": given.get("number", ""),  # empty: the stored number stays
            "security_code": given.get("security_code", ""),
            "expiry_month": given.get("expiry_month", account.expiry_month),
            "expiry_year": given.get("expiry_year", account.expiry_year),
        }
    return arguments | {
        "account_type": given.get("account_type", account.bank_account_type),
        "routing_number": given.get("routing_number", ""),  # both empty: the stored pair stays
        "account_number": given.get("account_number", ""),
    }


def errors_by_field(exc: ValidationError) -> dict[str, list[str]]:
    """An action's errors keyed as the API names the fields: the holder's under `holder.`."""
    return {
        f"{HOLDER}.{name}" if name in HOLDER_FIELDS else name: messages for name, messages in field_errors(exc).items()
    }


VERSION_KIND = "payment-account"


def account_version(account: PaymentAccount) -> str:
    """The account's ETag: when it was last saved, signed, so an edit can be based on it."""
    return etag(VERSION_KIND, account.pk, {"updated_at": account.updated_at.isoformat()})


def loaded_at(account: PaymentAccount, if_match: str) -> datetime.datetime:
    """When the account was last saved as the edit saw it: the version `If-Match` names, else as read now.

    card_update / bank_update refuse the edit (nothing written) when the account was saved since.
    """
    return saved_at(VERSION_KIND, account.pk, if_match) or account.updated_at
