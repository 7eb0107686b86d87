"""Writes of the vault: the company passphrase (set, change, remove) and key rotation; and what the vault holds.

The passphrase itself never reaches the database, a log or the audit log: events say only that it was
set, changed or removed. See `clientdesk.payments.vault` for the scheme.
"""

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.payments import crypto, vault
from clientdesk.payments.events import PaymentEvent
from clientdesk.payments.models import KeyWrapping, PaymentAccount, Storage, VaultKey

PASSPHRASE_MIN_LENGTH = 12


@dataclass(frozen=True)
class VaultStatus:
    """What the vault holds now: its key pairs (the current one first), the passphrase, the numbers stored."""

    keys: list[VaultKey]
    passphrase_set: bool
    stored: int  # locally stored accounts (each one sealed number, and a routing number for banks)
    to_reseal: int  # of those, the ones sealed to a key pair other than the current one

    @property
    def current(self) -> VaultKey | None:
        """The key pair new numbers are sealed to (None until the first number is stored)."""
        return next((key for key in self.keys if key.current), None)

    @property
    def retiring(self) -> list[VaultKey]:
        """Older key pairs an unfinished rotation has not deleted yet."""
        return [key for key in self.keys if not key.current]

    @property
    def rotation_unfinished(self) -> bool:
        """Whether a rotation stopped before every number was re-sealed (more than one key pair)."""
        return len(self.keys) > 1

    @property
    def key_size(self) -> int | None:
        """The current key pair's RSA modulus size in bits, read from its public key."""
        if self.current is None:
            return None
        public = serialization.load_pem_public_key(self.current.public_key.encode())
        return int(getattr(public, "key_size", 0)) or None


def vault_status() -> VaultStatus:
    """The vault as Settings → Encryption and `clientdesk vault status` show it."""
    keys = sorted(VaultKey.objects.order_by("created_at", "id"), key=lambda key: not key.current)
    local = PaymentAccount.objects.filter(storage=Storage.LOCAL)
    current = next((key for key in keys if key.current), None)
    stored = local.count()
    to_reseal = 0
    if len(keys) > 1 and current is not None:
        to_reseal = local.exclude(sealed_number__startswith=f"{crypto.VERSION}.{current.key_id}.").count()
    return VaultStatus(
        keys=keys,
        passphrase_set=any(key.wrapping == KeyWrapping.PASSPHRASE for key in keys),
        stored=stored,
        to_reseal=to_reseal,
    )


def _opens(key: VaultKey, passphrase: str) -> bool:
    try:
        vault.private_key(key, passphrase)
    except vault.PassphraseRequiredError:
        return False
    return True


def _new_passphrase_errors(new: str, current: str | None) -> list[str]:
    if not new.strip():
        return ["Enter a new passphrase."]
    if len(new) < PASSPHRASE_MIN_LENGTH:
        return [f"Use at least {PASSPHRASE_MIN_LENGTH} characters ({len(new)} given)."]
    if current is not None and new == current:
        return ["The new passphrase is the current one: choose another."]
    return []


@audit.action(PaymentEvent.PASSPHRASE)
def passphrase_change(*, actor: audit.Actor, current: str | None, new: str | None) -> VaultKey:
    """Set the company passphrase (none yet), change it, or remove it (`new` None; back to the vault key).

    Changing and removing need the current passphrase. Every key pair is re-wrapped in this one
    transaction, or none is; the stored numbers stay sealed as they are.
    """
    # A passphrase set before any number is stored still wraps a key pair: made here on first use.
    key = vault.current_key()
    locked = list(VaultKey.objects.select_for_update().order_by("id"))
    was_set = any(k.wrapping == KeyWrapping.PASSPHRASE for k in locked)
    errors: dict[str, list[str]] = {}
    if was_set:
        if not current:
            errors["current_passphrase"] = ["Enter the current passphrase."]
        elif not _opens(key, current):
            errors["current_passphrase"] = ["That is not the current passphrase."]
    elif new is None:
        errors["current_passphrase"] = ["No passphrase is set: there is nothing to remove."]
    if new is not None and (problems := _new_passphrase_errors(new, current if was_set else None)):
        errors["new_passphrase"] = problems
    if errors:
        raise ValidationError(errors)
    try:
        count = vault.rewrap(current_passphrase=current if was_set else None, new_passphrase=new)
    except vault.PassphraseRequiredError:
        # An older key pair (an unfinished rotation's) that the passphrase does not open.
        raise ValidationError({"current_passphrase": "That is not the current passphrase."}) from None
    outcome = "removed" if new is None else "changed" if was_set else "set"
    key.refresh_from_db()
    audit.record(
        actor=actor,
        action=PaymentEvent.PASSPHRASE,
        target=key,
        changes={"passphrase": [None, outcome], "key_pairs": [None, count]},
    )
    return key


@audit.action(PaymentEvent.ROTATE)
def _record_rotation(*, actor: audit.Actor, report: vault.RotationReport, resumed: bool) -> None:
    """Record a finished rotation: the new key pair, how many numbers were re-sealed, the key pairs retired."""
    audit.record(
        actor=actor,
        action=PaymentEvent.ROTATE,
        target=VaultKey.objects.get(key_id=report.key_id),
        changes={
            "key": [None, report.key_id],
            "resealed": [None, report.resealed],
            "retired": [None, report.retired],
            "resumed": [None, resumed],
        },
    )


def _rotation_passphrase(passphrase: str | None) -> str | None:
    """The passphrase rotation wraps the new key pair with, None when no passphrase is set (whatever was given).

    Every key pair is opened first: a wrong passphrase, or a vault key that is not the one the keys were
    wrapped with, would otherwise wrap the new key pair under it and re-seal numbers nobody could open.
    """
    keys = list(VaultKey.objects.order_by("id"))
    needed = any(key.wrapping == KeyWrapping.PASSPHRASE for key in keys)
    if needed and not passphrase:
        raise ValidationError({"passphrase": "A passphrase is set: enter the company passphrase."})
    for key in keys:
        try:
            vault.private_key(key, passphrase if needed else None)
        except vault.PassphraseRequiredError:
            raise ValidationError({"passphrase": "That is not the company passphrase."}) from None
        except crypto.VaultError:
            raise crypto.VaultError(
                f"the vault key does not open key pair {key.key_id}: is CLIENTDESK_VAULT_KEY (or the key file) "
                "the one the desk was set up with?"
            ) from None
    return passphrase if needed else None


def vault_rotate(
    *,
    actor: audit.Actor,
    passphrase: str | None,
    batch: int = 500,
    on_batch: Callable[[int], object] | None = None,
) -> vault.RotationReport:
    """Re-seal every stored number under a new key pair, in batches; run again after a crash, it resumes.

    Each batch commits on its own (see `vault.rotate`), so this is called outside any transaction and is
    not one action: the ROTATE event is recorded, in a transaction of its own, once every number is
    re-sealed. `on_batch(done)` hears after each committed batch.
    """
    checked = _rotation_passphrase(passphrase)
    resumed = VaultKey.objects.count() > 1
    report = vault.rotate(passphrase=checked, batch=batch, on_batch=on_batch)
    _record_rotation(actor=actor, report=report, resumed=resumed)
    return report
