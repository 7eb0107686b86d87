"""Show number: the staff member's password (or the passphrase), throttled, audited either way."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD
from clientdesk.payments import vault
from clientdesk.payments.actions import HolderData, card_add, reveal_number

pytestmark = pytest.mark.django_db(transaction=True)  # the throttle commits its count before the check

NUMBER = "4242424242424242"


@pytest.fixture(autouse=True)
def _vault(vault_settings: Any) -> None:
    """Every test here has its own vault."""


@pytest.fixture
def account(make_client: Callable[..., Any]) -> Any:
    return card_add(
        actor=None, client=make_client(), copy_from=None, holder=HolderData("Ann", "Lee"), number=NUMBER,
        expiry_month=12, expiry_year=2031, security_code="123",
    )  # fmt: skip


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_the_right_password_reveals_the_number_and_is_audited(billing: Any, account: Any) -> None:
    assert reveal_number(actor=billing, account=account, secret=PASSWORD, ip="10.0.0.1") == NUMBER
    (event,) = _events("payment.reveal")
    assert event.actor_user_id == billing.pk
    assert NUMBER not in str(event.changes)


def test_a_wrong_password_is_refused_and_audited(billing: Any, account: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        reveal_number(actor=billing, account=account, secret="not my password", ip="10.0.0.1")
    assert caught.value.message_dict == {"secret": ["That is not your password."]}
    (event,) = _events("payment.reveal_refused")
    assert event.changes["reason"] == [None, "wrong password"]
    assert not _events("payment.reveal")


def test_wrong_attempts_lock_even_the_right_password_out(billing: Any, account: Any, settings: Any) -> None:
    settings.CLIENTDESK_LOGIN_PAIR_LIMIT = 3
    for _ in range(3):
        with pytest.raises(ValidationError):
            reveal_number(actor=billing, account=account, secret="guess", ip="10.0.0.1")
    with pytest.raises(ValidationError) as caught:
        reveal_number(actor=billing, account=account, secret=PASSWORD, ip="10.0.0.1")
    assert "Too many" in caught.value.message_dict["secret"][0]
    assert len(_events("payment.reveal_refused")) == 4
    assert not _events("payment.reveal")


def test_with_a_passphrase_set_only_the_passphrase_reveals(billing: Any, account: Any) -> None:
    vault.rewrap(current_passphrase=None, new_passphrase="correct horse battery")
    with pytest.raises(ValidationError):
        reveal_number(actor=billing, account=account, secret=PASSWORD, ip="10.0.0.1")
    assert reveal_number(actor=billing, account=account, secret="correct horse battery", ip="10.0.0.1") == NUMBER


def test_a_gateway_account_cannot_be_revealed(billing: Any, make_client: Callable[..., Any], settings: Any) -> None:
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    remote = card_add(
        actor=None, client=make_client(), copy_from=None, holder=HolderData("Ann", "Lee"), number=NUMBER,
        expiry_month=12, expiry_year=2031, security_code="123",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        reveal_number(actor=billing, account=remote, secret=PASSWORD, ip="10.0.0.1")
