"""The vault with its keys in the database: sealing, opening, the passphrase, and rotation resumed after a crash."""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from clientdesk.payments import crypto, vault
from clientdesk.payments.models import AccountKind, KeyWrapping, PaymentAccount, Storage, VaultKey

pytestmark = pytest.mark.django_db

NUMBERS = [f"4{n:014d}" for n in range(7)]


@pytest.fixture(autouse=True)
def _vault(vault_settings: Any) -> None:
    """Every test here has its own vault."""


def _account(client: Any, number: str) -> PaymentAccount:
    return PaymentAccount.objects.create(
        client=client,
        kind=AccountKind.CARD,
        first_name="Ann",
        last_name="Lee",
        brand="visa",
        last4=number[-4:],
        expiry_month=12,
        expiry_year=2030,
        storage=Storage.LOCAL,
        sealed_number=vault.seal(number, vault.CARD_NUMBER),
        fingerprint=vault.fingerprint(number),
    )


def test_the_first_seal_makes_a_key_pair_wrapped_by_the_vault_key(tmp_path: Path) -> None:
    sealed = vault.seal(NUMBERS[0], vault.CARD_NUMBER)
    key = VaultKey.objects.get()
    assert key.current
    assert key.wrapping == KeyWrapping.VAULT_KEY
    assert "PRIVATE" not in key.wrapped_private_key
    assert (tmp_path / "vault.key").exists()
    assert vault.open_sealed(sealed, vault.CARD_NUMBER) == NUMBERS[0]


def test_a_lost_vault_key_cannot_open_anything(settings: Any, tmp_path: Path) -> None:
    sealed = vault.seal(NUMBERS[0], vault.CARD_NUMBER)
    settings.CLIENTDESK_VAULT_KEY_FILE = tmp_path / "another.key"
    with pytest.raises(crypto.VaultError):
        vault.open_sealed(sealed, vault.CARD_NUMBER)


def test_a_passphrase_rewraps_the_private_key_only() -> None:
    sealed = vault.seal(NUMBERS[0], vault.CARD_NUMBER)
    vault.rewrap(current_passphrase=None, new_passphrase="correct horse battery")
    assert VaultKey.objects.get().wrapping == KeyWrapping.PASSPHRASE
    assert vault.passphrase_set()
    with pytest.raises(vault.PassphraseRequiredError):
        vault.open_sealed(sealed, vault.CARD_NUMBER)
    with pytest.raises(vault.PassphraseRequiredError):
        vault.open_sealed(sealed, vault.CARD_NUMBER, "wrong horse")
    assert vault.open_sealed(sealed, vault.CARD_NUMBER, "correct horse battery") == NUMBERS[0]
    # Changing it needs the current one; removing it goes back to the vault key.
    with pytest.raises(vault.PassphraseRequiredError):
        vault.rewrap(current_passphrase="wrong", new_passphrase="new one here")
    vault.rewrap(current_passphrase="correct horse battery", new_passphrase=None)
    assert vault.open_sealed(sealed, vault.CARD_NUMBER) == NUMBERS[0]


def test_fingerprints_find_duplicates_without_reading_numbers() -> None:
    assert vault.fingerprint(NUMBERS[0]) == vault.fingerprint(NUMBERS[0])
    assert vault.fingerprint(NUMBERS[0]) != vault.fingerprint(NUMBERS[1])
    assert NUMBERS[0] not in vault.fingerprint(NUMBERS[0])


def test_rotation_killed_midway_then_resumed_leaves_every_account_readable_under_one_key(
    make_client: Callable[..., Any],
) -> None:
    client = make_client()
    accounts = [_account(client, number) for number in NUMBERS]
    old = VaultKey.objects.get().key_id

    class CrashError(Exception):
        pass

    def crash_after_first_batch(done: int) -> None:
        raise CrashError

    with pytest.raises(CrashError):
        vault.rotate(batch=3, on_batch=crash_after_first_batch)
    # Mid-way: the first batch is under the new key, the rest still under the old one; all readable.
    key_ids = {crypto.sealed_key_id(a.sealed_number) for a in PaymentAccount.objects.all()}
    assert len(key_ids) == 2
    assert old in key_ids
    for account in PaymentAccount.objects.all():
        assert vault.open_sealed(account.sealed_number, vault.CARD_NUMBER) in NUMBERS

    report = vault.rotate(batch=3)
    new = VaultKey.objects.get()
    assert new.current
    assert new.key_id == report.key_id != old
    assert report.retired == [old]
    assert report.resealed == 4
    for account, number in zip(PaymentAccount.objects.order_by("id"), NUMBERS, strict=True):
        assert crypto.sealed_key_id(account.sealed_number) == new.key_id
        assert vault.open_sealed(account.sealed_number, vault.CARD_NUMBER) == number
    assert len(accounts) == len(NUMBERS)


@contextlib.contextmanager
def rotation_elsewhere() -> Iterator[None]:
    """The rotation lock held as another process would hold it: another database session, or another open
    file on the lock file."""
    if connection.vendor != "postgresql":
        with vault.rotation_lock():
            yield
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [vault.ROTATION_LOCK])
        yield
    finally:
        other.close()  # the session's advisory lock goes with it


def test_a_second_rotation_is_refused_while_one_runs(vault_settings, make_client, make_card):
    make_card(make_client())
    before = set(VaultKey.objects.values_list("key_id", flat=True))
    with rotation_elsewhere(), pytest.raises(vault.RotationRunningError):
        vault.rotate()
    assert set(VaultKey.objects.values_list("key_id", flat=True)) == before
    assert vault.rotate().resealed == 1  # once the first is done, the next runs
