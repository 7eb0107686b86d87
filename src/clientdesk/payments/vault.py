"""The local vault: sealing numbers to the current key pair, opening them, the passphrase, and rotation.

See `crypto` for the scheme. The database holds public keys, wrapped private keys and sealed numbers;
the vault key (`CLIENTDESK_VAULT_KEY`, else `var/vault.key`) and the passphrase never enter it.
"""

import base64
import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from clientdesk.payments import crypto
from clientdesk.payments.models import KeyWrapping, PaymentAccount, Storage, VaultKey

PRIVATE_KEY = "private-key"
CARD_NUMBER = "card-number"
BANK_ACCOUNT = "bank-account"
ROUTING = "routing-number"


class PassphraseRequiredError(crypto.VaultError):
    """The private key is wrapped by the company passphrase and none (or a wrong one) was given."""


class RotationRunningError(crypto.VaultError):
    """Another rotation holds the vault: two at once would each seal numbers to a key pair the other retires."""


# pg_try_advisory_lock's key for "a rotation is running" (any fixed 64-bit number of our own).
ROTATION_LOCK = 0x636C69656E746465


@contextlib.contextmanager
def rotation_lock() -> Iterator[None]:
    """Held for a whole rotation, across its batch transactions: a PostgreSQL advisory lock (every machine
    sharing the database), or a lock on a file beside the SQLite database (its one machine)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ROTATION_LOCK])
            if not cursor.fetchone()[0]:
                raise RotationRunningError("another `clientdesk vault rotate` is running: wait for it to finish")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ROTATION_LOCK])
        return
    path = settings.VAR_DIR / "vault-rotate.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RotationRunningError("another `clientdesk vault rotate` is running: wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def vault_key() -> bytes:
    """The vault key, from the environment or its file (made on first use)."""
    return crypto.load_vault_key(os.environ.get("CLIENTDESK_VAULT_KEY"), settings.CLIENTDESK_VAULT_KEY_FILE)


def fingerprint(number: str) -> str:
    """The keyed fingerprint of a number (duplicate detection)."""
    return crypto.fingerprint(number, crypto.derive(vault_key(), "fingerprint"))


def _wrap_private(private_der: bytes, passphrase: str | None) -> tuple[str, str, str]:
    """(wrapped key, wrapping, salt) for a private key under the passphrase, or the vault key when none."""
    if passphrase:
        salt = secrets.token_bytes(16)
        key = crypto.passphrase_key(passphrase, salt)
        return crypto.wrap(private_der, key, purpose=PRIVATE_KEY), KeyWrapping.PASSPHRASE, salt.hex()
    return crypto.wrap(private_der, vault_key(), purpose=PRIVATE_KEY), KeyWrapping.VAULT_KEY, ""


def create_key(*, passphrase: str | None = None, current: bool = True) -> VaultKey:
    """A new key pair, its private key wrapped at once (the unwrapped key never reaches the database)."""
    pair = crypto.generate_key_pair()
    wrapped, wrapping, salt = _wrap_private(pair.private_der, passphrase)
    if current:
        VaultKey.objects.filter(current=True).update(current=False)
    return VaultKey.objects.create(
        key_id=pair.key_id,
        public_key=pair.public_pem.decode(),
        wrapped_private_key=wrapped,
        wrapping=wrapping,
        salt=salt,
        current=current,
    )


def current_key() -> VaultKey:
    """The key pair new numbers are sealed to, made on first use (under the vault key)."""
    key = VaultKey.objects.filter(current=True).first()
    if key is not None:
        return key
    with transaction.atomic():
        list(VaultKey.objects.select_for_update().filter(current=True))
        return VaultKey.objects.filter(current=True).first() or create_key()


def seal(number: str, purpose: str, key: VaultKey | None = None) -> str:
    """A number sealed to the current key pair (no secret needed)."""
    key = key or current_key()
    return crypto.seal(number, key_id=key.key_id, public_pem=key.public_key.encode(), purpose=purpose)


def private_key(key: VaultKey, passphrase: str | None = None) -> crypto.rsa.RSAPrivateKey:
    """A key pair's private key, unwrapped with the passphrase (when it is wrapped by one) or the vault key."""
    try:
        der = crypto.unwrap(key.wrapped_private_key, _wrapping_key(key, passphrase), purpose=PRIVATE_KEY)
    except crypto.VaultError:
        if key.wrapping == KeyWrapping.PASSPHRASE:
            raise PassphraseRequiredError("That is not the company passphrase.") from None
        raise
    return crypto.load_private_key(der)


def open_sealed(sealed: str, purpose: str, passphrase: str | None = None) -> str:
    """The number in a sealed text, with the key pair it names."""
    key = VaultKey.objects.get(key_id=crypto.sealed_key_id(sealed))
    return crypto.open_sealed(sealed, private_key=private_key(key, passphrase), purpose=purpose)


def passphrase_set() -> bool:
    """Whether the private keys are wrapped by a company passphrase."""
    return VaultKey.objects.filter(wrapping=KeyWrapping.PASSPHRASE).exists()


def rewrap(*, current_passphrase: str | None, new_passphrase: str | None) -> int:
    """Re-wrap every private key under the new passphrase (None: the vault key); the numbers stay as sealed.

    All keys or none (one transaction, the caller's if any); refused (PassphraseRequiredError) when the
    current one is wrong.
    """
    with transaction.atomic():
        return _rewrap_all(current_passphrase, new_passphrase)


def _rewrap_all(current_passphrase: str | None, new_passphrase: str | None) -> int:
    keys = list(VaultKey.objects.select_for_update().order_by("id"))
    for key in keys:
        try:
            der = crypto.unwrap(key.wrapped_private_key, _wrapping_key(key, current_passphrase), purpose=PRIVATE_KEY)
        except PassphraseRequiredError:
            raise
        except crypto.VaultError:
            if key.wrapping == KeyWrapping.PASSPHRASE:
                raise PassphraseRequiredError("That is not the current passphrase.") from None
            raise
        key.wrapped_private_key, key.wrapping, key.salt = _wrap_private(der, new_passphrase)
        key.save(update_fields=["wrapped_private_key", "wrapping", "salt"])
    return len(keys)


def _wrapping_key(key: VaultKey, passphrase: str | None) -> bytes:
    if key.wrapping != KeyWrapping.PASSPHRASE:
        return vault_key()
    if not passphrase:
        raise PassphraseRequiredError("Enter the current passphrase.")
    return crypto.passphrase_key(passphrase, bytes.fromhex(key.salt))


@dataclass
class RotationReport:
    """How far a rotation got."""

    key_id: str
    resealed: int
    remaining: int
    retired: list[str]


def rotate(*, passphrase: str | None = None, batch: int = 500, on_batch: object = None) -> RotationReport:
    """Re-seal every stored number under a new key pair, in batches; resumable after a crash.

    The first call makes a new current key pair (wrapped like the current one); every batch re-seals
    accounts still sealed to an older key, each batch in its own transaction, so a crash loses at most
    the batch in flight and a new call goes on where it stopped. A number is sealed to exactly one key
    at every moment. Older key pairs are deleted once nothing is sealed to them. One rotation at a time
    (`rotation_lock`); another is refused with RotationRunningError.
    """
    with rotation_lock():
        return _rotate(passphrase=passphrase, batch=batch, on_batch=on_batch)


def _rotate(*, passphrase: str | None, batch: int, on_batch: object) -> RotationReport:
    new = VaultKey.objects.filter(current=True).first()
    if new is None or not _rotation_pending(new):
        new = create_key(passphrase=passphrase)
    resealed = 0
    opened: dict[str, crypto.rsa.RSAPrivateKey] = {}  # each old key unwrapped once, not once per number

    def reopen(sealed: str, purpose: str) -> str:
        key_id = crypto.sealed_key_id(sealed)
        if key_id not in opened:
            opened[key_id] = private_key(VaultKey.objects.get(key_id=key_id), passphrase)
        return crypto.open_sealed(sealed, private_key=opened[key_id], purpose=purpose)

    while True:
        with transaction.atomic():
            accounts = list(
                PaymentAccount.objects.select_for_update()
                .filter(storage=Storage.LOCAL)
                .exclude(sealed_number__startswith=f"{crypto.VERSION}.{new.key_id}.")
                .order_by("id")[:batch]
            )
            if not accounts:
                break
            for account in accounts:
                purpose = CARD_NUMBER if account.kind == "card" else BANK_ACCOUNT
                number = reopen(account.sealed_number, purpose)
                account.sealed_number = seal(number, purpose, new)
                fields = ["sealed_number"]
                if account.sealed_routing:
                    account.sealed_routing = seal(
                        open_sealed(account.sealed_routing, ROUTING, passphrase), ROUTING, new
                    )
                    fields.append("sealed_routing")
                account.save(update_fields=fields)
            resealed += len(accounts)
        if callable(on_batch):
            on_batch(resealed)
    # Only key pairs nothing is sealed to any more are deleted (a number sealed meanwhile keeps its key).
    retired = [
        key_id
        for key_id in VaultKey.objects.exclude(pk=new.pk).values_list("key_id", flat=True)
        if not _sealed_to(key_id)
    ]
    VaultKey.objects.filter(key_id__in=retired).delete()
    return RotationReport(key_id=new.key_id, resealed=resealed, remaining=0, retired=retired)


def _sealed_to(key_id: str) -> bool:
    """Whether any stored number (or routing number) is sealed to key pair `key_id`."""
    prefix = f"{crypto.VERSION}.{key_id}."
    sealed = PaymentAccount.objects.filter(sealed_number__startswith=prefix)
    return sealed.exists() or PaymentAccount.objects.filter(sealed_routing__startswith=prefix).exists()


def _rotation_pending(key: VaultKey) -> bool:
    """Whether `key` is a rotation's new key with accounts still sealed to older keys (resume it)."""
    return VaultKey.objects.exclude(pk=key.pk).exists()


def encode_key(key: bytes) -> str:
    """A vault key as CLIENTDESK_VAULT_KEY takes it."""
    return base64.urlsafe_b64encode(key).decode().rstrip("=")
