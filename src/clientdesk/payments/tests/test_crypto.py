"""The vault's cryptography: round trips, and tampering, wrong keys and wrong passphrases failing loudly."""

import base64
from functools import cache
from pathlib import Path

import pytest

from clientdesk.payments import crypto

NUMBER = "4242424242424242"


@cache
def pair() -> crypto.KeyPair:
    return crypto.generate_key_pair()


def test_a_sealed_number_opens_with_its_private_key() -> None:
    kp = pair()
    sealed = crypto.seal(NUMBER, key_id=kp.key_id, public_pem=kp.public_pem, purpose="card")
    assert NUMBER not in sealed
    assert crypto.sealed_key_id(sealed) == kp.key_id
    private = crypto.load_private_key(kp.private_der)
    assert crypto.open_sealed(sealed, private_key=private, purpose="card") == NUMBER


def test_every_seal_is_different_no_fixed_iv() -> None:
    kp = pair()
    sealed = {crypto.seal(NUMBER, key_id=kp.key_id, public_pem=kp.public_pem, purpose="card") for _ in range(5)}
    assert len(sealed) == 5
    nonces = {s.split(".")[3] for s in sealed}
    assert len(nonces) == 5


def test_the_key_pair_is_rsa_3072() -> None:
    private = crypto.load_private_key(pair().private_der)
    assert private.key_size == 3072


@pytest.mark.parametrize("part", [2, 3, 4])
def test_a_tampered_sealed_number_fails_loudly(part: int) -> None:
    kp = pair()
    sealed = crypto.seal(NUMBER, key_id=kp.key_id, public_pem=kp.public_pem, purpose="card")
    pieces = sealed.split(".")
    raw = bytearray(base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4)))
    raw[len(raw) // 2] ^= 0x01
    pieces[part] = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(crypto.VaultError):
        crypto.open_sealed(".".join(pieces), private_key=crypto.load_private_key(kp.private_der), purpose="card")


def test_a_number_sealed_for_one_purpose_does_not_open_as_another() -> None:
    kp = pair()
    sealed = crypto.seal(NUMBER, key_id=kp.key_id, public_pem=kp.public_pem, purpose="card")
    with pytest.raises(crypto.VaultError):
        crypto.open_sealed(sealed, private_key=crypto.load_private_key(kp.private_der), purpose="bank-account")


def test_another_key_pair_cannot_open_it() -> None:
    kp, other = pair(), crypto.generate_key_pair()
    sealed = crypto.seal(NUMBER, key_id=kp.key_id, public_pem=kp.public_pem, purpose="card")
    with pytest.raises(crypto.VaultError):
        crypto.open_sealed(sealed, private_key=crypto.load_private_key(other.private_der), purpose="card")


def test_a_weak_public_key_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()  # below our 3072
    pem = weak.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(crypto.VaultError):
        crypto.seal(NUMBER, key_id="x", public_pem=pem, purpose="card")


def test_the_private_key_wrapped_by_a_passphrase_needs_that_passphrase() -> None:
    salt = b"0123456789abcdef"
    wrapped = crypto.wrap(pair().private_der, crypto.passphrase_key("correct horse", salt), purpose="private-key")
    assert (
        crypto.unwrap(wrapped, crypto.passphrase_key("correct horse", salt), purpose="private-key")
        == pair().private_der
    )
    with pytest.raises(crypto.VaultError):
        crypto.unwrap(wrapped, crypto.passphrase_key("wrong horse", salt), purpose="private-key")


def test_fingerprints_are_keyed() -> None:
    a, b = crypto.derive(b"k" * 32, "fingerprint"), crypto.derive(b"l" * 32, "fingerprint")
    assert crypto.fingerprint(NUMBER, a) == crypto.fingerprint(NUMBER, a)
    assert crypto.fingerprint(NUMBER, a) != crypto.fingerprint(NUMBER, b)
    assert crypto.fingerprint(NUMBER, a) != crypto.fingerprint("4111111111111111", a)


def test_the_vault_key_file_is_made_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "vault.key"
    key = crypto.load_vault_key(None, path)
    assert len(key) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert crypto.load_vault_key(None, path) == key
    assert crypto.load_vault_key(base64.urlsafe_b64encode(b"e" * 32).decode(), path) == b"e" * 32
    with pytest.raises(crypto.VaultError):
        crypto.load_vault_key("c2hvcnQ", path)


def test_the_passphrase_kdf_is_memory_hard() -> None:
    assert crypto.ARGON2_MEMORY_KIB >= 64 * 1024
    assert crypto.ARGON2_ITERATIONS >= 3
