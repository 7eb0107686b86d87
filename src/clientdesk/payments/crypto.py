"""The vault's cryptography: numbers sealed to the company's RSA-3072 public key, its private key wrapped.

- **Sealing** a number needs no secret: a fresh AES-256-GCM key and 96-bit nonce per record, the AES
  key wrapped with RSA-OAEP (SHA-256) under the public key, the key id and purpose bound in as
  associated data. Never PKCS#1 v1.5, never a fixed IV. The sealed text reads
  `v1.<key id>.<wrapped key>.<nonce>.<ciphertext>` (URL-safe base64 parts).
- **The private key** is stored only wrapped (AES-256-GCM): under a key derived from the company's
  passphrase with Argon2id (memory-hard) when one is set, otherwise under the vault key, which lives
  outside the database (`CLIENTDESK_VAULT_KEY`, else a file `var/vault.key` made on first use).
- **Duplicates** are found by an HMAC-SHA256 of the number under a key of its own, derived from the
  vault key (HKDF), so the fingerprint is no help in reading a number.

A tampered sealed text, a wrong passphrase or a wrong vault key fails loudly (`VaultError`).
"""

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

RSA_BITS = 3072
VERSION = "v1"
OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
# Argon2id with 64 MiB, 3 passes, 4 lanes (RFC 9106's second recommended setting).
ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES = 64 * 1024, 3, 4


class VaultError(Exception):
    """A sealed number or wrapped key that cannot be opened: tampered, or the wrong key or passphrase."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class KeyPair:
    """A new key pair: its id, the public key (PEM), and the private key (DER, to be wrapped at once)."""

    key_id: str
    public_pem: bytes
    private_der: bytes


def generate_key_pair() -> KeyPair:
    """A fresh RSA-3072 key pair with a random id."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    return KeyPair(
        key_id=secrets.token_hex(8),
        public_pem=private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        private_der=private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def passphrase_key(passphrase: str, salt: bytes) -> bytes:
    """The 256-bit key a passphrase gives with this salt (Argon2id, memory-hard)."""
    kdf = Argon2id(
        salt=salt, length=32, iterations=ARGON2_ITERATIONS, lanes=ARGON2_LANES, memory_cost=ARGON2_MEMORY_KIB
    )
    return kdf.derive(passphrase.encode())


def wrap(secret: bytes, key: bytes, *, purpose: str) -> str:
    """`secret` encrypted under `key` (AES-256-GCM, fresh nonce), bound to `purpose`."""
    nonce = os.urandom(12)
    return f"{_b64(nonce)}.{_b64(AESGCM(key).encrypt(nonce, secret, purpose.encode()))}"


def unwrap(wrapped: str, key: bytes, *, purpose: str) -> bytes:
    """What `wrap` sealed; VaultError when the key is wrong or the text was changed."""
    try:
        nonce, body = wrapped.split(".")
        return AESGCM(key).decrypt(_unb64(nonce), _unb64(body), purpose.encode())
    except (InvalidTag, ValueError) as exc:
        raise VaultError("The key does not open this: wrong passphrase or vault key, or changed data.") from exc


def load_private_key(private_der: bytes) -> rsa.RSAPrivateKey:
    """The private key from its DER bytes."""
    key = serialization.load_der_private_key(private_der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise VaultError("The vault's private key is not an RSA key.")
    return key


def seal(number: str, *, key_id: str, public_pem: bytes, purpose: str) -> str:
    """The number sealed to the public key (see the module's docstring): anyone may seal, only the key opens."""
    public = serialization.load_pem_public_key(public_pem)
    if not isinstance(public, rsa.RSAPublicKey) or public.key_size < RSA_BITS:
        raise VaultError(f"The vault's public key must be RSA of {RSA_BITS} bits or more.")
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    aad = f"{VERSION}.{key_id}.{purpose}".encode()
    body = AESGCM(data_key).encrypt(nonce, number.encode(), aad)
    return ".".join([VERSION, key_id, _b64(public.encrypt(data_key, OAEP)), _b64(nonce), _b64(body)])


def sealed_key_id(sealed: str) -> str:
    """The id of the key pair a sealed text was made with."""
    parts = sealed.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        raise VaultError("This is not a sealed number of this vault.")
    return parts[1]


def open_sealed(sealed: str, *, private_key: rsa.RSAPrivateKey, purpose: str) -> str:
    """The number inside a sealed text; VaultError when tampered or sealed to another key."""
    key_id = sealed_key_id(sealed)
    _, _, wrapped_key, nonce, body = sealed.split(".")
    try:
        data_key = private_key.decrypt(_unb64(wrapped_key), OAEP)
        plain = AESGCM(data_key).decrypt(_unb64(nonce), _unb64(body), f"{VERSION}.{key_id}.{purpose}".encode())
    except (InvalidTag, ValueError) as exc:
        raise VaultError("This sealed number was changed, or sealed to another key.") from exc
    return plain.decode()


def fingerprint(number: str, fingerprint_key: bytes) -> str:
    """A keyed HMAC-SHA256 of the number: equal numbers give equal fingerprints, and nothing more."""
    return hmac.new(fingerprint_key, number.encode(), hashlib.sha256).hexdigest()


def derive(vault_key: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose, derived from the vault key (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(vault_key)


def load_vault_key(environ_value: str | None, path: Path) -> bytes:
    """The vault key: from the environment (URL-safe base64 of 32 bytes) or its file, made on first use (0600)."""
    if environ_value:
        key = _unb64(environ_value.strip())
        if len(key) != 32:
            raise VaultError("CLIENTDESK_VAULT_KEY must be 32 bytes in URL-safe base64 (43 characters).")
        return key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_b64(secrets.token_bytes(32)) + "\n")
    key = _unb64(path.read_text().strip())
    if len(key) != 32:
        raise VaultError(f"{path} does not hold a vault key (32 bytes, URL-safe base64).")
    return key
