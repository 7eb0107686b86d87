"""Bank accounts, editing, deleting, auto-debit and accepted types: the rules, and nothing written on bad input."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clientdesk.audit.models import AuditEvent
from clientdesk.payments import vault
from clientdesk.payments.actions import (
    HolderData,
    account_delete,
    auto_debit_set,
    bank_add,
    card_add,
    card_update,
    payment_types_set,
)
from clientdesk.payments.models import ClientPaymentTypes, OfflineGatewayAccount, PaymentAccount

pytestmark = pytest.mark.django_db

HOLDER = HolderData(first_name="Ann", last_name="Lee")


@pytest.fixture(autouse=True)
def _vault(vault_settings: Any) -> None:
    """Every test here has its own vault."""


def _card(client: Any, number: str = "4242424242424242") -> Any:
    return card_add(
        actor=None, client=client, copy_from=None, holder=HOLDER, number=number,
        expiry_month=12, expiry_year=2031, security_code="123",
    )  # fmt: skip


def test_a_bank_account_seals_its_numbers_and_shows_its_type(make_client: Callable[..., Any]) -> None:
    client = make_client()
    account = bank_add(
        actor=None, client=client, copy_from=None, holder=HOLDER, account_type="savings",
        routing_number="011000015", account_number="000123456789",
    )  # fmt: skip
    assert account.label == "Savings account ending 6789"
    assert account.routing_last4 == "0015"
    assert vault.open_sealed(account.sealed_number, vault.BANK_ACCOUNT) == "000123456789"
    assert vault.open_sealed(account.sealed_routing, vault.ROUTING) == "011000015"


def test_a_bad_bank_account_is_refused_whole(make_client: Callable[..., Any]) -> None:
    client = make_client()
    with pytest.raises(ValidationError) as caught:
        bank_add(
            actor=None, client=client, copy_from=None, holder=HOLDER, account_type="brokerage",
            routing_number="011000016", account_number="12",
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"account_type", "routing_number", "account_number"}
    assert not PaymentAccount.objects.exists()


def test_an_unchanged_masked_number_keeps_the_stored_one_and_expiry_changes_alone(
    make_client: Callable[..., Any],
) -> None:
    account = _card(make_client())
    sealed = account.sealed_number
    updated = card_update(
        actor=None, account=account, copy_from=None, holder=HOLDER, number="•••• •••• •••• 4242",
        expiry_month=3, expiry_year=2033,
    )  # fmt: skip
    assert updated.sealed_number == sealed
    assert (updated.expiry_month, updated.expiry_year) == (3, 2033)
    event = AuditEvent.objects.filter(action="payment.update").get()
    assert event.changes == {"expiry": ["12/2031", "03/2033"]}


def test_a_new_number_replaces_the_sealed_one(make_client: Callable[..., Any]) -> None:
    account = _card(make_client())
    updated = card_update(
        actor=None, account=account, copy_from=None, holder=HOLDER, number="5555 5555 5555 4444",
        expiry_month=12, expiry_year=2031, security_code="321",
    )  # fmt: skip
    assert updated.label == "Mastercard ending 4444"
    assert vault.open_sealed(updated.sealed_number, vault.CARD_NUMBER) == "5555555555554444"


def test_deleting_destroys_the_number_clears_auto_debit_and_forgets_at_the_gateway(
    make_client: Callable[..., Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    client = make_client()
    account = _card(client)
    assert account.auto_debit
    assert OfflineGatewayAccount.objects.filter(token=account.gateway_token).exists()
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(actor=None, account=account)
    assert not PaymentAccount.objects.exists()
    assert not OfflineGatewayAccount.objects.exists()
    assert not PaymentAccount.objects.filter(client=client, auto_debit=True).exists()


def test_auto_debit_is_one_account_or_none_and_only_the_clients_own(make_client: Callable[..., Any]) -> None:
    client, other = make_client(), make_client()
    first, second = _card(client), _card(client, "5555555555554444")
    auto_debit_set(actor=None, client=client, account=second)
    assert list(PaymentAccount.objects.filter(auto_debit=True)) == [second]
    auto_debit_set(actor=None, client=client, account=None)
    assert not PaymentAccount.objects.filter(auto_debit=True).exists()
    with pytest.raises(ValidationError):
        auto_debit_set(actor=None, client=other, account=first)
    assert AuditEvent.objects.filter(action="payment.auto_debit").count() == 2


def test_accepted_payment_types(make_client: Callable[..., Any]) -> None:
    client = make_client()
    payment_types_set(actor=None, client=client, cards=True, bank_accounts=False)
    types = ClientPaymentTypes.objects.get(client=client)
    assert (types.cards, types.bank_accounts) == (True, False)
    payment_types_set(actor=None, client=client, cards=True, bank_accounts=False)
    assert AuditEvent.objects.filter(action="payment.types").count() == 1


def test_a_bank_account_edit_keeps_masked_numbers_and_changes_its_type(
    make_client: Callable[..., Any], make_bank: Callable[..., Any]
) -> None:
    from clientdesk.payments.actions import bank_update

    account = make_bank(make_client())
    sealed = account.sealed_number
    saved = bank_update(
        actor=None, account=account, copy_from=None, holder=HolderData(first_name="Ann", last_name="Lee", city="York"),
        account_type="savings", routing_number="•••••0015", account_number="••••6789",
    )  # fmt: skip
    assert saved.bank_account_type == "savings"
    assert saved.city == "York"
    assert saved.sealed_number == sealed
    event = AuditEvent.objects.filter(action="payment.update").get()
    assert set(event.changes) == {"account", "address"}


def test_a_bank_account_edit_with_a_new_number_needs_the_routing_number_too(
    make_client: Callable[..., Any], make_bank: Callable[..., Any]
) -> None:
    from clientdesk.payments.actions import bank_update

    account = make_bank(make_client())
    with pytest.raises(ValidationError) as caught:
        bank_update(
            actor=None, account=account, copy_from=None, holder=HOLDER, account_type="checking",
            routing_number="•••••0015", account_number="55501234",
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"routing_number"}
    saved = bank_update(
        actor=None, account=account, copy_from=None, holder=HOLDER, account_type="checking",
        routing_number="021000021", account_number="55501234",
    )  # fmt: skip
    assert (saved.last4, saved.routing_last4) == ("1234", "0021")
    assert vault.open_sealed(saved.sealed_routing, vault.ROUTING) == "021000021"
    assert vault.open_sealed(saved.sealed_number, vault.BANK_ACCOUNT) == "55501234"


def test_an_unchanged_bank_account_edit_writes_no_event(
    make_client: Callable[..., Any], make_bank: Callable[..., Any]
) -> None:
    from clientdesk.payments.actions import bank_update

    account = make_bank(make_client())
    bank_update(
        actor=None, account=account, copy_from=None, holder=HOLDER, account_type="checking",
        routing_number="", account_number="",
    )  # fmt: skip
    assert not AuditEvent.objects.filter(action="payment.update").exists()


def test_a_card_cannot_be_edited_as_a_bank_account(
    make_client: Callable[..., Any], make_card: Callable[..., Any]
) -> None:
    from clientdesk.payments.actions import bank_update

    card = make_card(make_client())
    with pytest.raises(ValidationError):
        bank_update(
            actor=None, account=card, copy_from=None, holder=HOLDER, account_type="checking",
            routing_number="", account_number="",
        )  # fmt: skip
