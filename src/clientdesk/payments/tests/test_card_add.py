"""Adding a card: checked, sealed locally or stored at the gateway, never kept in clear, audited by last four."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clientdesk.audit.models import AuditEvent
from clientdesk.payments import vault
from clientdesk.payments.actions import HolderData, card_add
from clientdesk.payments.models import OfflineGatewayAccount, PaymentAccount, Storage

pytestmark = pytest.mark.django_db

NUMBER = "4242424242424242"
CVV = "737"
HOLDER = HolderData(first_name="Ann", last_name="Lee", city="Reston", country="US")


@pytest.fixture(autouse=True)
def _vault(vault_settings: Any) -> None:
    """Every test here has its own vault."""


def _add(client: Any, number: str = NUMBER, **kwargs: Any) -> PaymentAccount:
    values = {"copy_from": None, "holder": HOLDER, "number": number, "expiry_month": 12, "expiry_year": 2031,
              "security_code": CVV} | kwargs  # fmt: skip
    return card_add(actor=None, client=client, **values)


def _everything_stored() -> str:
    rows = (
        list(PaymentAccount.objects.values())
        + list(AuditEvent.objects.values())
        + list(OfflineGatewayAccount.objects.values())
    )
    return json.dumps(rows, default=str)


def test_a_card_is_sealed_in_the_vault_and_never_kept_in_clear(make_client: Callable[..., Any]) -> None:
    client = make_client()
    account = _add(client, "4242 4242 4242 4242")
    assert account.storage == Storage.LOCAL
    assert account.brand == "visa"
    assert account.last4 == "4242"
    assert account.contact is not None
    assert account.contact.contact_type == "primary"
    assert account.auto_debit  # the first account becomes the auto-debit one
    assert vault.open_sealed(account.sealed_number, vault.CARD_NUMBER) == NUMBER
    stored = _everything_stored()
    assert NUMBER not in stored
    assert f'"{CVV}"' not in stored  # a three-digit code can occur inside hashes: no value is the code
    assert "security" not in stored
    event = AuditEvent.objects.get(action="payment.add")
    assert event.changes["account"] == [None, "Visa ending 4242"]


def test_the_second_card_does_not_take_auto_debit(make_client: Callable[..., Any]) -> None:
    client = make_client()
    _add(client)
    assert not _add(client, "5555555555554444").auto_debit


def test_the_same_card_twice_is_refused(make_client: Callable[..., Any]) -> None:
    client = make_client()
    _add(client)
    with pytest.raises(ValidationError) as caught:
        _add(client, "4242-4242-4242-4242")
    assert "already on file" in caught.value.message_dict["number"][0]
    assert PaymentAccount.objects.count() == 1


def test_every_bad_field_is_reported_at_once_and_nothing_written(make_client: Callable[..., Any]) -> None:
    client = make_client()
    with pytest.raises(ValidationError) as caught:
        _add(client, "4242424242424241", expiry_month=1, expiry_year=2020, holder=HolderData("", ""))
    assert set(caught.value.message_dict) == {"number", "expiry_year", "first_name", "last_name"}
    assert not PaymentAccount.objects.exists()
    assert not AuditEvent.objects.filter(action="payment.add").exists()


def test_a_gateway_that_stores_cards_gets_the_number_and_we_keep_its_token(
    make_client: Callable[..., Any], settings: Any
) -> None:
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    client = make_client()
    account = _add(client)
    assert account.storage == "offline_test"
    assert account.sealed_number == ""
    remote = OfflineGatewayAccount.objects.get(token=account.gateway_token)
    assert remote.last4 == "4242"
    assert NUMBER not in _everything_stored()


def test_a_gateway_refusal_saves_nothing(make_client: Callable[..., Any], settings: Any) -> None:
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    client = make_client()
    with pytest.raises(ValidationError) as caught:
        _add(client, "4000000000009995")
    assert "refused" in caught.value.message_dict["number"][0]
    assert not PaymentAccount.objects.exists()
    assert not OfflineGatewayAccount.objects.exists()
