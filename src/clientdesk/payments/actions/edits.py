"""Edits of payment accounts: a card's holder, expiry or number; a bank account's holder, type or numbers.

Numbers show masked on an edit form: a masked (or empty) value keeps the stored number. An edit begun
before someone else saved the account is refused (EditConflictError), nothing written.
"""

import datetime

from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.clients.actions import EditConflictError
from clientdesk.clients.models import Contact
from clientdesk.payments import cards, vault
from clientdesk.payments.actions.accounts import (
    HolderData,
    _collect,
    _holder_errors,
    _holder_fields,
    _owner,
    _snapshot,
)
from clientdesk.payments.events import PaymentEvent
from clientdesk.payments.gateways.base import BankDetails, CardDetails, GatewayError
from clientdesk.payments.gateways.offline import GATEWAYS
from clientdesk.payments.models import AccountKind, BankAccountType, PaymentAccount

MASK = "•"


def _refuse_if_saved_since(account: PaymentAccount, loaded_at: datetime.datetime | None) -> None:
    if loaded_at is not None and account.updated_at != loaded_at:
        raise EditConflictError(
            {
                "__all__": "Someone else saved this payment account after you opened this form. Nothing was saved: "
                "reload it to see their change, then make yours again."
            },
            current={},
        )


def is_masked(value: str) -> bool:
    """Whether a number field still holds the masked value the edit form showed (keep the stored number)."""
    return not value.strip() or MASK in value


@audit.action(PaymentEvent.UPDATE)
def card_update(
    *,
    actor: audit.Actor,
    account: PaymentAccount,
    copy_from: Contact | None,
    holder: HolderData,
    number: str,
    expiry_month: int | str,
    expiry_year: int | str,
    security_code: str = "",
    loaded_at: datetime.datetime | None = None,
) -> PaymentAccount:
    """Edit a card: holder and owner, expiry alone, or a new number (an unchanged masked number keeps the old).

    `loaded_at` is the account's `updated_at` when the edit began: saved by someone since, nothing is written
    (EditConflictError).

    A new number is checked like an added one and must stay the same brand-agnostic account of this client.
    """
    locked = PaymentAccount.objects.select_for_update().select_related("client").get(pk=account.pk)
    if locked.kind != AccountKind.CARD:
        raise ValidationError("This is not a card.", code="kind")
    _refuse_if_saved_since(locked, loaded_at)
    errors = _holder_errors(holder)
    card = None if is_masked(number) else _collect(errors, cards.check_card_number, number)
    expiry = _collect(errors, cards.check_expiry, expiry_month, expiry_year)
    code = ""
    if card is not None and security_code:
        code = _collect(errors, cards.check_security_code, security_code, card.brand) or ""
    if errors or expiry is None:
        raise ValidationError(errors)
    before = _snapshot(locked)
    for field, value in _holder_fields(holder).items():
        setattr(locked, field, value)
    locked.contact = _owner(locked.client, copy_from) if copy_from is not None else locked.contact
    locked.expiry_month, locked.expiry_year = expiry
    gateway = GATEWAYS[locked.storage]() if locked.storage in GATEWAYS else None
    if card is not None:
        fingerprint = vault.fingerprint(card.digits)
        if PaymentAccount.objects.filter(client=locked.client, fingerprint=fingerprint).exclude(pk=locked.pk).exists():
            raise ValidationError({"number": "This card is already on file for this client."})
        locked.brand, locked.last4, locked.fingerprint = card.brand.code, card.last4, fingerprint
        if gateway is None:
            locked.sealed_number = vault.seal(card.digits, vault.CARD_NUMBER)
    if gateway is not None:
        details = (
            CardDetails(card.digits, expiry[0], expiry[1], code, f"{holder.first_name} {holder.last_name}")
            if card is not None
            else None
        )
        try:
            gateway.update(locked.gateway_token, details, expiry=expiry)
        except GatewayError as exc:
            raise ValidationError({"number": str(exc)}) from None
    after = _snapshot(locked)
    if after == before and card is None:
        audit.nothing_changed()
        return locked
    locked.full_clean(exclude=["client", "contact"])
    locked.save()
    changes = audit.diff(before, after)
    if card is not None and "account" not in changes:
        changes["number"] = ["(replaced)", "(replaced)"]
    audit.record(actor=actor, action=PaymentEvent.UPDATE, client=locked.client, target=locked, changes=changes)
    return locked


@audit.action(PaymentEvent.UPDATE)
def bank_update(
    *,
    actor: audit.Actor,
    account: PaymentAccount,
    copy_from: Contact | None,
    holder: HolderData,
    account_type: str,
    routing_number: str,
    account_number: str,
    loaded_at: datetime.datetime | None = None,
) -> PaymentAccount:
    """Edit a bank account: holder and owner, its type, or new numbers (both, since the pair is one account).

    Masked (unchanged) numbers keep the stored ones. `loaded_at`: as for `card_update`.
    """
    locked = PaymentAccount.objects.select_for_update().select_related("client").get(pk=account.pk)
    if locked.kind != AccountKind.BANK:
        raise ValidationError("This is not a bank account.", code="kind")
    _refuse_if_saved_since(locked, loaded_at)
    errors = _holder_errors(holder)
    if account_type not in BankAccountType.values:
        errors["account_type"] = ["Choose checking or savings."]
    routing = number = None
    if not (is_masked(routing_number) and is_masked(account_number)):
        # A new pair: both numbers in full (the fingerprint and the gateway need both).
        if is_masked(routing_number):
            errors["routing_number"] = ["Enter the routing number again with the new account number."]
        else:
            routing = _collect(errors, cards.check_routing_number, routing_number)
        if is_masked(account_number):
            errors["account_number"] = ["Enter the account number again with the new routing number."]
        else:
            number = _collect(errors, cards.check_account_number, account_number)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(locked)
    for field, value in _holder_fields(holder).items():
        setattr(locked, field, value)
    locked.contact = _owner(locked.client, copy_from) if copy_from is not None else locked.contact
    locked.bank_account_type = account_type
    replaced = routing is not None and number is not None
    gateway = GATEWAYS[locked.storage]() if locked.storage in GATEWAYS else None
    if routing is not None and number is not None:
        fingerprint = vault.fingerprint(f"{routing}:{number}")
        if PaymentAccount.objects.filter(client=locked.client, fingerprint=fingerprint).exclude(pk=locked.pk).exists():
            raise ValidationError({"account_number": "This bank account is already on file for this client."})
        locked.last4, locked.routing_last4, locked.fingerprint = number[-4:], routing[-4:], fingerprint
        if gateway is None:
            locked.sealed_number = vault.seal(number, vault.BANK_ACCOUNT)
            locked.sealed_routing = vault.seal(routing, vault.ROUTING)
        else:
            details = BankDetails(
                routing_number=routing,
                account_number=number,
                account_type=account_type,
                holder=f"{holder.first_name} {holder.last_name}",
            )
            try:
                gateway.update(locked.gateway_token, details, expiry=None)
            except GatewayError as exc:
                raise ValidationError({"account_number": str(exc)}) from None
    after = _snapshot(locked)
    if after == before and not replaced:
        audit.nothing_changed()
        return locked
    locked.full_clean(exclude=["client", "contact"])
    locked.save()
    changes = audit.diff(before, after)
    if replaced and "account" not in changes:
        changes["number"] = ["(replaced)", "(replaced)"]
    audit.record(actor=actor, action=PaymentEvent.UPDATE, client=locked.client, target=locked, changes=changes)
    return locked
