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
