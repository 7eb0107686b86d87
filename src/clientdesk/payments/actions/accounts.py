"""Writes of payment accounts: add a card or bank account, delete, auto-debit, accepted types (edits: `edits`).

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
from clientdesk.core import geo
from clientdesk.payments import cards, vault
from clientdesk.payments.events import PaymentEvent
from clientdesk.payments.gateways.base import BankDetails, CardDetails, Gateway, GatewayError
from clientdesk.payments.gateways.offline import GATEWAYS
from clientdesk.payments.models import AccountKind, BankAccountType, ClientPaymentTypes, PaymentAccount, Storage


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
    country, state = holder.country.strip().upper(), holder.state.strip()
    if country and not geo.is_country(country):
        errors["country"] = ["Choose a country from the list."]
    elif state and not geo.is_subdivision_of(state, country):
        errors["state"] = [f"Choose a state or province of {geo.country_name(country) or 'the country'}."]
    return errors


def _holder_fields(holder: HolderData) -> dict[str, str]:
    """The holder's fields as stored: trimmed, the country code in capitals."""
    fields = {k: v.strip() for k, v in asdict(holder).items()}
    return fields | {"country": fields["country"].upper()}


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
        "address": ", ".join(
            part
            for part in (account.address1, account.address2, account.city, account.state, account.postal_code)
            if part
        )
        + (f" ({account.country})" if account.country else ""),
        "routing": f"ending {account.routing_last4}" if account.routing_last4 else "",
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
        **_holder_fields(holder),
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


@audit.action(PaymentEvent.ADD)
def bank_add(
    *,
    actor: audit.Actor,
    client: Client,
    copy_from: Contact | None,
    holder: HolderData,
    account_type: str,
    routing_number: str,
    account_number: str,
) -> PaymentAccount:
    """Add a bank account: routing number checked (ABA), the account number stored at the gateway or sealed."""
    errors = _holder_errors(holder)
    if account_type not in BankAccountType.values:
        errors["account_type"] = ["Choose checking or savings."]
    routing = _collect(errors, cards.check_routing_number, routing_number)
    number = _collect(errors, cards.check_account_number, account_number)
    if errors or routing is None or number is None:
        raise ValidationError(errors)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    fingerprint = vault.fingerprint(f"{routing}:{number}")
    if PaymentAccount.objects.filter(client=locked, fingerprint=fingerprint).exists():
        raise ValidationError({"account_number": "This bank account is already on file for this client."})
    account = PaymentAccount(
        client=locked,
        contact=_owner(locked, copy_from),
        kind=AccountKind.BANK,
        bank_account_type=account_type,
        last4=number[-4:],
        routing_last4=routing[-4:],
        fingerprint=fingerprint,
        **_holder_fields(holder),
    )
    gateway = merchant_gateway()
    if gateway is not None:
        details = BankDetails(
            routing_number=routing,
            account_number=number,
            account_type=account_type,
            holder=f"{holder.first_name} {holder.last_name}",
        )
        try:
            account.gateway_token = gateway.store(details).token
        except GatewayError as exc:
            raise ValidationError({"account_number": str(exc)}) from None
        account.storage = gateway.code
    else:
        account.storage = Storage.LOCAL
        account.sealed_number = vault.seal(number, vault.BANK_ACCOUNT)
        account.sealed_routing = vault.seal(routing, vault.ROUTING)
    _first_becomes_auto_debit(locked, account)
    _save_or_forget(account, gateway)
    audit.record(
        actor=actor, action=PaymentEvent.ADD, client=locked, target=account, changes=audit.diff({}, _snapshot(account))
    )
    return account


@audit.action(PaymentEvent.DELETE)
def account_delete(*, actor: audit.Actor, account: PaymentAccount) -> None:
    """Delete a payment account: its sealed number is destroyed with the row; the gateway forgets it after commit.

    When it was the auto-debit account, the client has none until another is chosen.
    """
    locked = PaymentAccount.objects.select_for_update().select_related("client").get(pk=account.pk)
    snapshot = _snapshot(locked)
    gateway = GATEWAYS[locked.storage]() if locked.storage in GATEWAYS else None
    token = locked.gateway_token
    locked.delete()
    audit.record(
        actor=actor,
        action=PaymentEvent.DELETE,
        client=locked.client,
        target=locked,
        changes=audit.diff(snapshot, {}),
    )
    if gateway is not None and token:
        audit.after_commit(lambda: _forget_at_gateway(gateway, token))


def _forget_at_gateway(gateway: Gateway, token: str) -> None:
    with contextlib.suppress(GatewayError):
        gateway.remove(token)


@audit.action(PaymentEvent.AUTO_DEBIT)
def auto_debit_set(*, actor: audit.Actor, client: Client, account: PaymentAccount | None) -> PaymentAccount | None:
    """Use this account (of this client) for auto-debit, or none."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if account is not None and account.client_id != locked.pk:
        raise ValidationError("That payment account is not this client's.", code="other_client")
    current = PaymentAccount.objects.filter(client=locked, auto_debit=True).first()
    if (current.pk if current else None) == (account.pk if account else None):
        audit.nothing_changed()
        return current
    PaymentAccount.objects.filter(client=locked, auto_debit=True).update(auto_debit=False)
    if account is not None:
        PaymentAccount.objects.filter(pk=account.pk).update(auto_debit=True)
    audit.record(
        actor=actor,
        action=PaymentEvent.AUTO_DEBIT,
        client=locked,
        target=account,
        changes={"auto_debit": [current.label if current else "none", account.label if account else "none"]},
    )
    return account


@audit.action(PaymentEvent.TYPES)
def payment_types_set(*, actor: audit.Actor, client: Client, cards: bool, bank_accounts: bool) -> ClientPaymentTypes:
    """Which kinds of payment account the client may use."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    types, _ = ClientPaymentTypes.objects.get_or_create(client=locked)
    before = {"cards": types.cards, "bank_accounts": types.bank_accounts}
    after = {"cards": cards, "bank_accounts": bank_accounts}
    if before == after:
        audit.nothing_changed()
        return types
    types.cards, types.bank_accounts = cards, bank_accounts
    types.save()
    audit.record(actor=actor, action=PaymentEvent.TYPES, client=locked, changes=audit.diff(before, after))
    return types
