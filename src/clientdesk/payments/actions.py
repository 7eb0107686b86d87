"""Writes of payment accounts: add a card or bank account, edit, delete, auto-debit, accepted types, reveal.

The number goes to the company's merchant gateway when that gateway stores accounts (then only its
token is kept), otherwise into the vault (sealed; see `vault`). The security code is handed to the
gateway and never stored; checked for shape only when the vault keeps the number. Numbers never reach
the audit log: events carry brand and last four.
"""

import contextlib
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.clients.models import Client, Contact, ContactType
from clientdesk.payments import cards, vault
from clientdesk.payments.events import PaymentEvent
from clientdesk.payments.gateways.base import CardDetails, Gateway, GatewayError
from clientdesk.payments.gateways.offline import GATEWAYS
from clientdesk.payments.models import AccountKind, PaymentAccount, Storage


@dataclass(frozen=True)
class HolderData:
    """The account holder's name and address as entered (copied from a contact, or typed)."""

    first_name: str
    last_name: str
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""


def merchant_gateway() -> Gateway | None:
    """The company's merchant gateway when it stores accounts itself; None: the local vault keeps numbers."""
    code = settings.CLIENTDESK_MERCHANT_GATEWAY
    if not code:
        return None
    gateway = GATEWAYS[code]()
    return gateway if gateway.stores_accounts else None


def _owner(client: Client, contact: Contact | None) -> Contact:
    """The account's owner: the contact copied from, if this client's primary or billing one; else the primary."""
    if (
        contact is not None
        and contact.client_id == client.pk
        and contact.contact_type
        in {
            ContactType.PRIMARY,
            ContactType.BILLING,
        }
    ):
        return contact
    return Contact.objects.get(client=client, contact_type=ContactType.PRIMARY)


def _holder_errors(holder: HolderData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field in ("first_name", "last_name"):
        if not getattr(holder, field).strip():
            errors[field] = [f"Enter the holder's {field.replace('_', ' ')}."]
    return errors


def _collect(errors: dict[str, list[str]], check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one check, adding its field errors to `errors` (so every problem is shown at once)."""
    try:
        return check(*args, **kwargs)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None


def _first_becomes_auto_debit(client: Client, account: PaymentAccount) -> None:
    if not PaymentAccount.objects.filter(client=client, auto_debit=True).exclude(pk=account.pk).exists():
        account.auto_debit = True


def _snapshot(account: PaymentAccount) -> dict[str, Any]:
    return {
        "account": account.label,
        "holder": f"{account.first_name} {account.last_name}",
        "owner": str(account.contact) if account.contact_id else "",
        "storage": Storage(account.storage).label,
        "expiry": f"{account.expiry_month:02d}/{account.expiry_year}" if account.expiry_month else "",
    }


def _save_or_forget(account: PaymentAccount, gateway: Gateway | None) -> None:
    """Save the new account; should that fail, the gateway forgets the account it just stored."""
    try:
        account.full_clean(exclude=["client", "contact"])
        account.save()
    except Exception:
        if gateway is not None and account.gateway_token:
            # Should removing fail too, the gateway keeps an unused token: nothing of ours points at it.
            with contextlib.suppress(GatewayError):
                gateway.remove(account.gateway_token)
        raise


@audit.action(PaymentEvent.ADD)
def card_add(
    *,
    actor: audit.Actor,
    client: Client,
    copy_from: Contact | None,
    holder: HolderData,
    number: str,
    expiry_month: int | str,
    expiry_year: int | str,
    security_code: str,
) -> PaymentAccount:
    """Add a card: checked (Luhn, brand, expiry, code shape), stored at the gateway or sealed in the vault."""
    errors = _holder_errors(holder)
    card = _collect(errors, cards.check_card_number, number)
    expiry = _collect(errors, cards.check_expiry, expiry_month, expiry_year)
    code = _collect(errors, cards.check_security_code, security_code, card.brand) if card else None
    if errors or card is None or expiry is None or code is None:
        raise ValidationError(errors)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    fingerprint = vault.fingerprint(card.digits)
    if PaymentAccount.objects.filter(client=locked, fingerprint=fingerprint).exists():
        raise ValidationError({"number": "This card is already on file for this client."}, code="duplicate")
    account = PaymentAccount(
        client=locked,
        contact=_owner(locked, copy_from),
        kind=AccountKind.CARD,
        brand=card.brand.code,
        last4=card.last4,
        expiry_month=expiry[0],
        expiry_year=expiry[1],
        fingerprint=fingerprint,
        **{k: v.strip() for k, v in asdict(holder).items()},
    )
    gateway = merchant_gateway()
    if gateway is not None:
        try:
            stored = gateway.store(
                CardDetails(
                    number=card.digits,
                    expiry_month=expiry[0],
                    expiry_year=expiry[1],
                    security_code=code,
                    holder=f"{holder.first_name} {holder.last_name}",
                    postal_code=holder.postal_code,
                    country=holder.country,
                )
            )
        except GatewayError as exc:
            raise ValidationError({"number": str(exc)}, code="gateway") from None
        account.storage, account.gateway_token = gateway.code, stored.token
    else:
        account.storage, account.sealed_number = Storage.LOCAL, vault.seal(card.digits, vault.CARD_NUMBER)
    _first_becomes_auto_debit(locked, account)
    _save_or_forget(account, gateway)
    audit.record(
        actor=actor, action=PaymentEvent.ADD, client=locked, target=account, changes=audit.diff({}, _snapshot(account))
    )
    return account
