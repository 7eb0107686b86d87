"""Payment fixtures, for every app's tests: a vault of its own per test, with fast keys."""

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientdesk.payments import crypto

# RSA-3072 key generation takes a second or so and Argon2id at 64 MiB a fraction of one: tests draw
# from a few pairs made once, and derive passphrase keys with less memory. test_crypto checks the real
# parameters (key size, Argon2id) without these shortcuts.
_PAIRS: list[crypto.KeyPair] = []
_real_generate = crypto.generate_key_pair


def _pooled() -> Iterator[crypto.KeyPair]:
    while len(_PAIRS) < 3:
        _PAIRS.append(_real_generate())
    yield from itertools.cycle(_PAIRS)


_POOL = _pooled()


@pytest.fixture
def vault_settings(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A vault key file of this test's own, numbers sealed locally (no merchant gateway), fast keys."""
    monkeypatch.delenv("CLIENTDESK_VAULT_KEY", raising=False)
    settings.CLIENTDESK_VAULT_KEY_FILE = tmp_path / "vault.key"
    settings.CLIENTDESK_MERCHANT_GATEWAY = ""
    monkeypatch.setattr(crypto, "generate_key_pair", lambda: next(_POOL))
    monkeypatch.setattr(crypto, "ARGON2_MEMORY_KIB", 1024)
    return settings


@pytest.fixture
def make_card(vault_settings: Any) -> Any:
    """A factory of card accounts added through the real action (sealed in this test's vault)."""
    from clientdesk.payments.actions import HolderData, card_add

    def make(client: Any, number: str = "4242424242424242", **kwargs: Any) -> Any:
        fields: dict[str, Any] = {
            "actor": None,
            "client": client,
            "copy_from": None,
            "holder": HolderData(first_name="Ann", last_name="Lee", city="Leeds", country="GB"),
            "number": number,
            "expiry_month": 12,
            "expiry_year": 2031,
            "security_code": "123",
        }
        return card_add(**{**fields, **kwargs})

    return make


@pytest.fixture
def make_bank(vault_settings: Any) -> Any:
    """A factory of bank accounts added through the real action (sealed in this test's vault)."""
    from clientdesk.payments.actions import HolderData, bank_add

    def make(client: Any, account_number: str = "000123456789", **kwargs: Any) -> Any:
        fields: dict[str, Any] = {
            "actor": None,
            "client": client,
            "copy_from": None,
            "holder": HolderData(first_name="Ann", last_name="Lee"),
            "account_type": "checking",
            "routing_number": "011000015",
            "account_number": account_number,
        }
        return bank_add(**{**fields, **kwargs})

    return make
